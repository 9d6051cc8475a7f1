# pragma version 0.4.3
# pragma nonreentrancy on
"""
@title Azora Timelock
@license MIT
@notice The executor of Azora governance: every decision of AzoraGovernor
        waits here for at least the minimum delay (2 days in production)
        before it runs, so that holders can react to it and the security
        council can veto it. After deployment the Timelock is the admin of
        every Azora contract. A thin deployable around snekmate's
        `timelock_controller` (operations, batches, predecessors, salts,
        roles) and `access_control`.

        `schedule_batch` and `execute_batch` are re-stated here, with the
        module's own checks, events, operation ids and internal functions,
        for one reason: gas. snekmate declares batches of up to 255 calls
        of up to 1,024 bytes each, and Vyper sizes memory by the declared
        bound, so a one-call batch paid ~1.5M gas of memory expansion. Here
        a batch holds at most MAX_BATCH calls (AzoraGovernor's MAX_ACTIONS);
        the ABI is unchanged.
@custom:security PROPOSER_ROLE (the Governor) schedules operations;
        EXECUTOR_ROLE (the Governor) executes them once ready;
        CANCELLER_ROLE (the Governor and an optional security council)
        cancels pending ones. The Timelock administers itself: roles and
        `update_delay` change only through its own operations, once the
        deployer has renounced the optional initial admin. The batch
        functions are non-reentrant; the module's functions (including
        `update_delay` and role management, which operations call on the
        Timelock itself) are not.
"""

from snekmate.auth import access_control
from snekmate.governance import timelock_controller

initializes: access_control
initializes: timelock_controller[access_control := access_control]

exports: (
    # Role management, as re-exported by `timelock_controller`.
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.set_role_admin,
    # Everything else of `timelock_controller` but `schedule_batch` and
    # `execute_batch`, re-stated below with a smaller bound. `__default__`
    # (receiving ETH) is re-stated below too.
    timelock_controller.PROPOSER_ROLE,
    timelock_controller.EXECUTOR_ROLE,
    timelock_controller.CANCELLER_ROLE,
    timelock_controller.IERC721_TOKENRECEIVER_SELECTOR,
    timelock_controller.IERC1155_TOKENRECEIVER_SINGLE_SELECTOR,
    timelock_controller.IERC1155_TOKENRECEIVER_BATCH_SELECTOR,
    timelock_controller.get_timestamp,
    timelock_controller.get_minimum_delay,
    timelock_controller.supportsInterface,
    timelock_controller.is_operation,
    timelock_controller.is_operation_pending,
    timelock_controller.is_operation_ready,
    timelock_controller.is_operation_done,
    timelock_controller.get_operation_state,
    timelock_controller.hash_operation,
    timelock_controller.hash_operation_batch,
    timelock_controller.schedule,
    timelock_controller.cancel,
    timelock_controller.execute,
    timelock_controller.update_delay,
    timelock_controller.onERC721Received,
    timelock_controller.onERC1155Received,
    timelock_controller.onERC1155BatchReceived,
)


# @dev The most calls in one batch (AzoraGovernor.MAX_ACTIONS).
MAX_BATCH: public(constant(uint256)) = 10

# @dev The longest calldata of one call (snekmate's bound).
MAX_PAYLOAD: public(constant(uint256)) = 1_024


@deploy
def __init__(
    minimum_delay: uint256,
    proposers: DynArray[address, timelock_controller._DYNARRAY_BOUND],
    executors: DynArray[address, timelock_controller._DYNARRAY_BOUND],
    admin: address,
):
    """
    @notice Deploys the Timelock, self-administered. `proposers` receive
            PROPOSER_ROLE and CANCELLER_ROLE, `executors` EXECUTOR_ROLE
            (the zero address opens execution to anyone).
    @param minimum_delay The minimum delay of an operation, in seconds.
    @param proposers The accounts allowed to schedule (and cancel).
    @param executors The accounts allowed to execute.
    @param admin An optional initial admin (the deployer, to wire the roles
           before renouncing); the zero address for none.
    """
    access_control.__init__()
    timelock_controller.__init__(minimum_delay, proposers, executors, admin)


@external
@payable
@reentrant
def __default__():
    """
    @notice Accepts ETH (for operations that send value).
    """
    pass


@external
def schedule_batch(
    targets: DynArray[address, MAX_BATCH],
    amounts: DynArray[uint256, MAX_BATCH],
    payloads: DynArray[Bytes[MAX_PAYLOAD], MAX_BATCH],
    predecessor: bytes32,
    salt: bytes32,
    delay: uint256,
):
    """
    @notice Schedules a batch of calls as one operation, ready after
            `delay` seconds (at least the minimum delay). Only
            PROPOSER_ROLE. Emits one CallScheduled per call, and CallSalt
            for a non-zero salt.
    @param targets The contracts to call.
    @param amounts The wei to send with each call.
    @param payloads The calldata of each call.
    @param predecessor An operation that must be done first (or empty).
    @param salt Distinguishes otherwise identical operations.
    @param delay Seconds until the operation is ready.
    """
    access_control._check_role(timelock_controller.PROPOSER_ROLE, msg.sender)
    assert (
        len(targets) == len(amounts) and len(targets) == len(payloads)
    ), "timelock_controller: length mismatch"
    id: bytes32 = keccak256(abi_encode(targets, amounts, payloads, predecessor, salt))
    timelock_controller._schedule(id, delay)
    for index: uint256 in range(len(targets), bound=MAX_BATCH):
        log timelock_controller.CallScheduled(
            id=id,
            index=index,
            target=targets[index],
            amount=amounts[index],
            payload=payloads[index],
            predecessor=predecessor,
            delay=delay,
        )
    if salt != empty(bytes32):
        log timelock_controller.CallSalt(id=id, salt=salt)


@external
@payable
def execute_batch(
    targets: DynArray[address, MAX_BATCH],
    amounts: DynArray[uint256, MAX_BATCH],
    payloads: DynArray[Bytes[MAX_PAYLOAD], MAX_BATCH],
    predecessor: bytes32,
    salt: bytes32,
):
    """
    @notice Executes a ready batch operation: every call in order, the
            first failure reverts all (its reason bubbled up). Only
            EXECUTOR_ROLE (or anyone if the zero address holds it).
            Emits one CallExecuted per call.
    @param targets The contracts to call.
    @param amounts The wei to send with each call.
    @param payloads The calldata of each call.
    @param predecessor The operation that must be done first (or empty).
    @param salt The operation's salt.
    """
    timelock_controller._only_role_or_open_role(timelock_controller.EXECUTOR_ROLE)
    assert (
        len(targets) == len(amounts) and len(targets) == len(payloads)
    ), "timelock_controller: length mismatch"
    id: bytes32 = keccak256(abi_encode(targets, amounts, payloads, predecessor, salt))
    timelock_controller._before_call(id, predecessor)
    for index: uint256 in range(len(targets), bound=MAX_BATCH):
        timelock_controller._execute(targets[index], amounts[index], payloads[index])
        log timelock_controller.CallExecuted(
            id=id, index=index, target=targets[index], amount=amounts[index], payload=payloads[index]
        )
    timelock_controller._after_call(id)
