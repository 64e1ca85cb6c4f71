import Logging
import OTel
import ServiceLifecycle

/// Distributed tracing for `pm serve`, with OpenTelemetry's own variables: on when `OTEL_EXPORTER_OTLP_ENDPOINT` or
/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, spans are exported over OTLP/HTTP (`OTEL_EXPORTER_OTLP_PROTOCOL`:
/// `http/protobuf` by default, or `http/json`); `OTEL_SERVICE_NAME` names the service (default `payment-manager`).
/// Only traces: the metrics stay at `/metrics` and the logs on standard output.
enum TraceExport {
    /// Bootstraps the process's tracer and returns the service that exports its spans, or nil when no endpoint is set.
    static func bootstrap(environment: [String: String], logger: Logger) throws -> (any Service)? {
        guard environment["OTEL_EXPORTER_OTLP_ENDPOINT"] != nil || environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] != nil else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = "payment-manager"
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        let service = try OTel.bootstrap(configuration: configuration, environment: environment)
        logger.info("tracing on", metadata: ["endpoint": "\(environment["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? environment["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "")"])
        return service
    }
}
