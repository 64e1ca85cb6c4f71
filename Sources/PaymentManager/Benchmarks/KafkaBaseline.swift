import CRdKafka
import EventLog
import Foundation

/// librdkafka's own producer, as fast as it goes: the baseline `pm bench log` compares the Kafka log
/// with. Same cluster, same record count, keys and value sizes, same `acks=all` and idempotence, no
/// Swift in the loop beyond the call itself. Its rows are the log's: same keys, values and header.
public enum KafkaBaseline {
    /// Counts delivery reports; touched only by librdkafka's callback on the polling thread and read
    /// after the final flush.
    private final class Counter: @unchecked Sendable {
        var delivered = 0
        var failed = 0
    }

    /// The text of a NUL-terminated C buffer.
    private static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The header every record carries, as the log's records carry their type.
    private static let headerName = Array("pm.type".utf8CString)
    private static let headerValue = Array(LogBenchmark.headerValue.utf8)

    /// One `rd_kafka_produceva` call: the record (copied), with the benchmark's header.
    private static func produce(_ producer: OpaquePointer, topic: OpaquePointer, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) -> OpaquePointer? {
        headerName.withUnsafeBufferPointer { name in
            headerValue.withUnsafeBytes { headerValue in
                withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 5) { arguments in
                    arguments[0].vtype = RD_KAFKA_VTYPE_RKT
                    arguments[0].u.rkt = topic
                    arguments[1].vtype = RD_KAFKA_VTYPE_KEY
                    arguments[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                    arguments[1].u.mem.size = key.count
                    arguments[2].vtype = RD_KAFKA_VTYPE_VALUE
                    arguments[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    arguments[2].u.mem.size = value.count
                    arguments[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    arguments[3].u.i = RD_KAFKA_MSG_F_COPY
                    arguments[4].vtype = RD_KAFKA_VTYPE_HEADER
                    arguments[4].u.header.name = name.baseAddress
                    arguments[4].u.header.val = headerValue.baseAddress
                    arguments[4].u.header.size = headerValue.count
                    return rd_kafka_produceva(producer, arguments.baseAddress, 5)
                }
            }
        }
    }

    /// Produces `options.events` records to `topicName` (which the caller created like the log's own
    /// topic) and returns records per second, from the first produce call to the last delivery report.
    public static func rawProducerRate(bootstrapServers: [String], topicName: String, options: LogBenchmark.Options) throws -> Double {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let conf = rd_kafka_conf_new() else { throw LogError(.backend, "rd_kafka_conf_new failed") }
        let settings = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "acks": "all", "enable.idempotence": "true", "partitioner": "murmur2_random",
            "queue.buffering.max.messages": "1000000", "log_level": "3", "socket.nagle.disable": "true",
        ]
        for (name, value) in settings {
            guard rd_kafka_conf_set(conf, name, value, &errorText, errorText.count) == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw LogError(.invalidArgument, "baseline producer: \(text(errorText))")
            }
        }
        let counter = Counter()
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(counter).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
            guard let opaque, let message else { return }
            let counter = Unmanaged<Counter>.fromOpaque(opaque).takeUnretainedValue()
            if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR { counter.delivered += 1 } else { counter.failed += 1 }
        }
        guard let producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count) else {
            throw LogError(.backend, "baseline producer: \(text(errorText))")
        }
        defer { rd_kafka_destroy(producer) }
        guard let topic = rd_kafka_topic_new(producer, topicName, nil) else { throw LogError(.backend, "baseline topic handle") }
        defer { rd_kafka_topic_destroy(topic) }

        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: max(0, options.payloadBytes - 16))
        let rows = (0..<options.events).map { i in (Array("transfer-\(i % 10_000)".utf8), LogBenchmark.value(i, payload: payload)) }
        // Warm up: metadata and the first connection, outside the timing.
        rd_kafka_poll(producer, 0)
        _ = rd_kafka_flush(producer, 10_000)

        let start = ContinuousClock.now
        for (key, value) in rows {
            while true {
                let error = value.withUnsafeBytes { valueBytes in
                    key.withUnsafeBytes { keyBytes in
                        produce(producer, topic: topic, key: keyBytes, value: valueBytes)
                    }
                }
                guard let error else { break }
                let code = rd_kafka_error_code(error)
                rd_kafka_error_destroy(error)
                guard code == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
                    throw LogError(.backend, "baseline produce: \(String(cString: rd_kafka_err2str(code)))")
                }
                rd_kafka_poll(producer, 10)
            }
            rd_kafka_poll(producer, 0)
        }
        while counter.delivered + counter.failed < rows.count {
            guard rd_kafka_flush(producer, 30_000) == RD_KAFKA_RESP_ERR_NO_ERROR else { break }
        }
        let elapsed = LogBenchmark.seconds(ContinuousClock.now - start)
        guard counter.failed == 0, counter.delivered == rows.count else {
            throw LogError(.unavailable, "baseline producer: \(counter.delivered) delivered, \(counter.failed) failed of \(rows.count)")
        }
        return Double(rows.count) / elapsed
    }
}
