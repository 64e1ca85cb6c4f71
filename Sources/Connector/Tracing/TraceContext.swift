import EventLog
import HTTPTypes
import Instrumentation
import NIOHTTP1
import ServiceContextModule
import Tracing

/// Carries a trace across the connector's boundaries with whatever instrument the process bootstrapped (none by
/// default, then every call here does nothing): W3C `traceparent` and `tracestate` in the HTTP headers received and
/// sent, as Mojaloop's hub propagates them, and in the headers of the facts recorded on the log, so that the
/// processor's decision and the calls it makes continue the trace of the request that caused them.
enum TraceContext {
    /// The context of a received HTTP request's headers, or the current one.
    static func extract(_ fields: HTTPFields) -> ServiceContext {
        var context = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(fields, into: &context, using: HTTPFieldsExtractor())
        return context
    }

    /// The context a recorded fact carries, or a top-level one.
    static func extract(_ headers: [LogHeader]) -> ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(headers, into: &context, using: LogHeaderExtractor())
        return context
    }

    /// The current context, as headers of a record to append.
    static func logHeaders(_ context: ServiceContext? = .current) -> [LogHeader] {
        guard let context else { return [] }
        var headers: [LogHeader] = []
        InstrumentationSystem.instrument.inject(context, into: &headers, using: LogHeaderInjector())
        return headers
    }

    /// Adds a context (a client span's) to the headers of a request to send.
    static func inject(_ context: ServiceContext, into headers: inout HTTPHeaders) {
        InstrumentationSystem.instrument.inject(context, into: &headers, using: HTTPHeadersInjector())
    }

    struct HTTPFieldsExtractor: Extractor {
        func extract(key: String, from carrier: HTTPFields) -> String? {
            HTTPField.Name(key).flatMap { carrier[$0] }
        }
    }

    struct LogHeaderExtractor: Extractor {
        func extract(key: String, from carrier: [LogHeader]) -> String? {
            carrier.first { $0.name == key }?.text
        }
    }

    struct LogHeaderInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [LogHeader]) {
            carrier.append(LogHeader(name: key, text: value))
        }
    }

    struct HTTPHeadersInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout HTTPHeaders) {
            carrier.replaceOrAdd(name: key, value: value)
        }
    }
}
