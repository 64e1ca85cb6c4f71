import CRdKafka
import EventLog

extension LogError {
    /// A librdkafka error as a log error: its kind, whether retrying can help, and librdkafka's own
    /// name and text for it after `context`.
    static func kafka(_ code: rd_kafka_resp_err_t, _ context: String, detail: String? = nil) -> LogError {
        let cause = detail.map { "\($0) (\(name(of: code)))" } ?? "\(text(of: code)) (\(name(of: code)))"
        let message = "\(context): \(cause)"
        switch code {
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
             RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
            return LogError(.timedOut, message, retryable: true)
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            return LogError(.unknownTopic, message)
        case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE,
             RD_KAFKA_RESP_ERR__INVALID_ARG, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR,
             RD_KAFKA_RESP_ERR_INVALID_CONFIG, RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
             RD_KAFKA_RESP_ERR_INVALID_REQUEST, RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
            return LogError(.invalidArgument, message)
        case RD_KAFKA_RESP_ERR__DESTROY, RD_KAFKA_RESP_ERR__PURGE_QUEUE:
            return LogError(.closed, message)
        case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION, RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID,
             RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
            return LogError(.rebalanced, message, retryable: true)
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
             RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
             RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
             RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
             RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR__WAIT_COORD,
             RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__NODE_UPDATE, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
            return LogError(.unavailable, message, retryable: true)
        default:
            return LogError(.backend, message)
        }
    }

    /// librdkafka's name for an error code, such as `_MSG_TIMED_OUT`.
    static func name(of code: rd_kafka_resp_err_t) -> String {
        rd_kafka_err2name(code).map { String(cString: $0) } ?? "error \(code.rawValue)"
    }

    /// librdkafka's text for an error code.
    static func text(of code: rd_kafka_resp_err_t) -> String {
        rd_kafka_err2str(code).map { String(cString: $0) } ?? "error \(code.rawValue)"
    }

    /// Whether a failed commit failed only because a rebalance was under way (or the member's generation
    /// ended), so committing the same offsets once the member has rejoined can succeed.
    static func isRebalanceCommitFailure(_ code: rd_kafka_resp_err_t) -> Bool {
        code == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || code == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION
            || code == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID
    }
}
