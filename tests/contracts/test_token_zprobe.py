def test_probe(token, alice, bob, carol, chain, minter):
    w3 = chain.provider.web3
    chain.provider.make_request("evm_setAutomine", [False])
    n = w3.eth.get_transaction_count(alice.address, "pending")
    t1 = token.transfer(bob, 5, sender=alice, required_confirmations=0, gas=300_000, nonce=n)
    n2 = w3.eth.get_transaction_count(alice.address, "pending")
    print("nonces", n, n2)
    t2 = token.transfer(carol, 7, sender=alice, required_confirmations=0, gas=300_000, nonce=n2)
    t3 = token.invoke_transaction("delegate", bob, sender=alice, required_confirmations=0, gas=300_000, nonce=n2 + 1)
    print("head before", chain.blocks.head.number)
    chain.provider.make_request("evm_mine", [])
    chain.provider.make_request("evm_setAutomine", [True])
    rs = [chain.provider.get_receipt(t.txn_hash) for t in (t1, t2, t3)]
    print([r.block_number for r in rs], chain.blocks.head.number, token.numCheckpoints(alice))
    print(rs[2].events)
    print(token.checkpoints(alice, 0), token.checkpoints(alice, 1))
