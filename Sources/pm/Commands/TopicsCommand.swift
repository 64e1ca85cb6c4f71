import ArgumentParser
import EventLog
import Foundation
import FSPIOP
import PaymentManager

/// `--log`, shared by the commands that open the log.
struct LogOptions: ParsableArguments {
    @Option(name: .long, help: "The log: sqlite:PATH, kafka://HOST:PORT[,HOST:PORT] or kafka-mock[:N] (default: $PM_LOG, else sqlite:data/pm-log.sqlite).")
    var log: String?
    @Option(name: .customLong("kafka-property"), help: "A librdkafka property for a Kafka log, NAME=VALUE (repeatable), applied after Payment Manager's own.")
    var kafkaProperties: [String] = []

    func location() throws -> LogLocation {
        let text = log ?? ProcessInfo.processInfo.environment["PM_LOG"] ?? "sqlite:data/pm-log.sqlite"
        do { return try LogLocation(text) } catch { throw ValidationError(error.description) }
    }

    func open() async throws -> OpenLog {
        let location = try location()
        if case let .sqlite(path) = location {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        }
        var properties: [String: String] = [:]
        for text in kafkaProperties {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw ValidationError("--kafka-property needs NAME=VALUE, not '\(text)'")
            }
            properties[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        do { return try OpenLog.open(location, properties: properties) } catch {
            printError("cannot open the log \(location): \(error)")
            throw ExitCode(2)
        }
    }
}

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "List, describe and tail the log's topics (SQLite or Kafka).",
        subcommands: [List.self, Describe.self, Tail.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the topics, one per line.")
        @OptionGroup var options: LogOptions

        func run() async throws {
            let open = try await options.open()
            let topics: [TopicDescription]
            do { topics = try await open.log.describeTopics() } catch {
                await open.log.shutdown()
                throw error
            }
            await open.log.shutdown()
            for topic in topics { print(topic.name) }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print topics with their partitions' offsets, and a group's lag, as JSON.")
        @OptionGroup var options: LogOptions
        @Argument(help: "Topics to describe (default: all).")
        var topics: [String] = []
        @Option(name: .long, help: "Also print this consumer group's committed offsets and lag.")
        var group: String?

        func run() async throws {
            let open = try await options.open()
            let described = try await open.log.describeTopics().filter { topics.isEmpty || topics.contains($0.name) }
            var lags: [PartitionLag] = []
            if let group { lags = try await open.log.groupLag(group) }
            var rows: [JSONValue] = []
            for topic in described {
                let partitions: [JSONValue] = topic.partitions.map { partition in
                    var members: [(String, JSONValue)] = [("partition", .number(String(partition.partition))),
                                                          ("startOffset", .number(String(partition.startOffset))),
                                                          ("endOffset", .number(String(partition.endOffset)))]
                    if let lag = lags.first(where: { $0.topic == topic.name && $0.partition == partition.partition }) {
                        members.append(("committedOffset", lag.committedOffset.map { .number(String($0)) } ?? .null))
                        members.append(("lag", .number(String(lag.lag))))
                    }
                    return .object(members)
                }
                let records = topic.partitions.reduce(Int64(0)) { $0 + $1.endOffset - $1.startOffset }
                rows.append(.object([("topic", .string(topic.name)), ("records", .number(String(records))), ("partitions", .array(partitions))]))
            }
            for row in rows { printJSON(row) }
            await open.log.shutdown()
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a topic's records as JSON lines.",
            discussion: """
                Follows new records until Ctrl-C (or --limit); --from-beginning starts at the first record; \
                --no-follow prints the records there are now, from the first, and stops. Each line: topic, partition, offset, timestamp, key, headers and \
                the value (as JSON when it is JSON, else as text or base64).
                """
        )
        @OptionGroup var options: LogOptions
        @Argument(help: "The topic.")
        var topic: String
        @Flag(name: .long, help: "Start at the first record instead of the end.")
        var fromBeginning = false
        @Option(name: .long, help: "Stop after printing this many records.")
        var limit: Int?
        @Option(name: .long, help: "Only records with this key.")
        var key: String?
        @Option(name: .long, help: "Only records whose pm.type header is this event type.")
        var type: String?
        @Flag(name: .long, help: "Print the records there are now, from the first, and stop.")
        var noFollow = false

        func run() async throws {
            let open = try await options.open()
            let log = open.log
            var printed = 0
            let keyBytes = key.map { Array($0.utf8) }
            func matches(_ record: ConsumerRecord) -> Bool {
                if let keyBytes, record.key != keyBytes { return false }
                if let type, record.header(LogMetadataKey.type.rawValue)?.text != type { return false }
                return true
            }
            if noFollow {
                // The records there are now, partition by partition, in pages.
                let partitions = try await log.describeTopics().first { $0.name == topic }?.partitions ?? []
                for partition in partitions {
                    var next = partition.startOffset
                    while next < partition.endOffset {
                        let page = try await log.read(ReadRequest(topic: topic, partition: partition.partition, start: .offset(next), limit: 5000))
                        guard let last = page.last else { break }
                        for record in page where matches(record) && record.offset < partition.endOffset {
                            print(TailFormat.line(record))
                            printed += 1
                            if let limit, printed >= limit { await log.shutdown(); return }
                        }
                        next = last.offset + 1
                    }
                }
                await log.shutdown()
                return
            }
            let group = "pm-tail-\(UUID().uuidString)"
            let consumer = try await log.consumer(Subscription(group: group, topics: [topic], startAt: fromBeginning ? .earliest : .latest))
            while let batch = try await consumer.nextBatch() {
                for record in batch where matches(record) {
                    FileHandle.standardOutput.write(Data((TailFormat.line(record) + "\n").utf8))
                    printed += 1
                    if let limit, printed >= limit {
                        await consumer.close()
                        await log.shutdown()
                        return
                    }
                }
            }
        }
    }
}

/// How `pm topics tail` prints a record.
enum TailFormat {
    static func line(_ record: ConsumerRecord) -> String {
        let headers: [(String, JSONValue)] = record.headers.map { ($0.name, text($0.value)) }
        let value: JSONValue = (try? JSONParser.parse(record.value)) ?? text(record.value)
        let object: JSONValue = .object([
            ("topic", .string(record.topic)), ("partition", .number(String(record.partition))),
            ("offset", .number(String(record.offset))), ("timestamp", .string(Timestamp(millisecondsSinceEpoch: record.timestamp).dateTime)),
            ("key", text(record.key)), ("headers", .object(headers)), ("value", value),
        ])
        return String(decoding: CanonicalJSON.insertionOrderBytes(object), as: UTF8.self)
    }

    /// UTF-8 text as a string; other bytes as `base64:…`.
    static func text(_ bytes: [UInt8]) -> JSONValue {
        if let text = String(validating: bytes, as: UTF8.self) { return .string(text) }
        return .string("base64:" + Base64.standardEncoded(bytes))
    }
}
