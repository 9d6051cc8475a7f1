"""The education oracle: learning platforms report course completions to the intake
(`POST /v1/oracles/education/completions`, HMAC-authenticated per platform); each becomes a
`CourseCompleted` attestation that the EDUCATION signers sign and the submitter relays to
ProofOfKnowledge through the OracleHub."""
