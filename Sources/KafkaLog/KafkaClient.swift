import CRdKafka
import EventLog
import Synchronization

/// One librdkafka client handle (`rd_kafka_t`) and the queue handles taken from it.
///
/// `@unchecked Sendable`: librdkafka documents its client and queue handles as safe to call from any
/// thread, and every pointer here is set once in `init`. What is not thread-safe is the end of their
/// life: ``destroy(flags:)`` runs at most once (an atomic flag), and each owner (the producer's thread,
/// a consumer's thread, a short-lived admin call) calls it only after it has stopped every other use.
final class KafkaClient: @unchecked Sendable {
    enum Kind {
        /// A producer; its delivery reports and errors are served by `rd_kafka_poll`.
        case producer
        /// A consumer group member: events come from the consumer queue, close events from `closeQueue`.
        case groupMember
        /// A consumer without a subscription: reads by partition, or looks up a group's offsets.
        case standalone
    }

    let handle: OpaquePointer
    /// The queue to poll: the consumer queue of a group member, the main queue otherwise.
    let queue: OpaquePointer
    /// A group member's queue for the events of `rd_kafka_consumer_close_queue`.
    let closeQueue: OpaquePointer?
    let name: String
    private let sink: Unmanaged<LogSink>
    private let destroyed = Atomic<Bool>(false)

    /// Makes a client from properties applied in order; `configure` may set callbacks on the conf.
    init(kind: Kind, properties: [(String, String)], logHandler: (@Sendable (KafkaLogMessage) -> Void)?,
         configure: (OpaquePointer) -> Void = { _ in }) throws(LogError) {
        guard let conf = rd_kafka_conf_new() else { throw LogError(.backend, "librdkafka could not allocate a configuration") }
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in properties {
            let status = rd_kafka_conf_set(conf, key, value, &errorText, errorText.count)
            guard status == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                throw LogError(.invalidArgument, "Kafka property \(key)=\(value): \(Self.string(errorText))")
            }
        }
        let sink = Unmanaged.passRetained(LogSink(handler: logHandler))
        rd_kafka_conf_set_opaque(conf, sink.toOpaque())
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        configure(conf)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            sink.release()
            throw LogError(.invalidArgument, "librdkafka refused the client configuration: \(Self.string(errorText))")
        }
        var queue: OpaquePointer?
        var closeQueue: OpaquePointer?
        switch kind {
        case .groupMember:
            rd_kafka_poll_set_consumer(handle)
            queue = rd_kafka_queue_get_consumer(handle)
            closeQueue = rd_kafka_queue_new(handle)
        case .producer, .standalone:
            queue = rd_kafka_queue_get_main(handle)
        }
        guard let queue, kind != .groupMember || closeQueue != nil else {
            if let queue { rd_kafka_queue_destroy(queue) }
            if let closeQueue { rd_kafka_queue_destroy(closeQueue) }
            rd_kafka_destroy_flags(handle, Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE))
            sink.release()
            throw LogError(.backend, "librdkafka could not provide the client's event queue")
        }
        self.handle = handle
        self.queue = queue
        self.closeQueue = closeQueue
        self.sink = sink
        self.name = rd_kafka_name(handle).map { String(cString: $0) } ?? "rdkafka"
    }

    /// Releases the queues and destroys the handle; blocks while librdkafka stops its threads.
    /// Idempotent. Never call it on Swift's cooperative pool.
    func destroy(flags: Int32 = 0) {
        guard !destroyed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        rd_kafka_queue_destroy(queue)
        if let closeQueue { rd_kafka_queue_destroy(closeQueue) }
        rd_kafka_destroy_flags(handle, flags)
        sink.release()
    }

    deinit { destroy(flags: Int32(RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE)) }

    /// Wakes a thread blocked polling `queue` (the yield is kept until the next poll if none is under way).
    func wake() {
        if !destroyed.load(ordering: .acquiring) { rd_kafka_queue_yield(queue) }
    }

    static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { pointer in pointer.baseAddress.map { String(cString: $0) } ?? "" }
    }
}

/// Where one client's librdkafka log lines go.
final class LogSink: Sendable {
    let handler: (@Sendable (KafkaLogMessage) -> Void)?

    init(handler: (@Sendable (KafkaLogMessage) -> Void)?) { self.handler = handler }

    func log(level: Int32, facility: UnsafePointer<CChar>?, text: UnsafePointer<CChar>?, client: String) {
        guard let handler else { return }
        let severity = KafkaLogLevel(rawValue: Int(min(max(level, 0), 7))) ?? .debug
        handler(KafkaLogMessage(level: severity, facility: facility.map { String(cString: $0) } ?? "",
                                message: text.map { String(cString: $0) } ?? "", client: client))
    }
}

/// librdkafka's log callback: called on librdkafka's threads with the client whose opaque is its sink.
private let kafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = { handle, level, facility, text in
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
    let sink = Unmanaged<LogSink>.fromOpaque(opaque).takeUnretainedValue()
    let client = rd_kafka_name(handle).map { String(cString: $0) } ?? "rdkafka"
    sink.log(level: level, facility: facility, text: text, client: client)
}
