import Foundation

/// Charts drawn on the server as SVG: no script and no library, readable without colour (each series also has its
/// own dash and a legend), and described for screen readers by a title and a summary.
enum Chart {
    struct Series {
        var name: String
        /// The series' class in the stylesheet (its colour and dash).
        var style: String
        /// (milliseconds since 1970, value)
        var points: [(Int64, Double)]
    }

    static let width = 640.0
    static let height = 220.0
    static let left = 48.0, right = 12.0, top = 12.0, bottom = 28.0

    /// A line chart over time. `unit` follows each value in the axis labels (`%`, ` ms`).
    static func line(id: String, title: String, summary: String, series: [Series], yMaximum: Double? = nil, unit: String,
                     from start: Int64, to end: Int64) -> String {
        let values = series.flatMap { $0.points.map(\.1) }
        let maximum = yMaximum ?? niceCeiling(values.max() ?? 0)
        let span = Double(max(end - start, 1))
        func x(_ time: Int64) -> Double { left + (Double(time - start) / span) * (width - left - right) }
        func y(_ value: Double) -> Double { top + (1 - (maximum > 0 ? value / maximum : 0)) * (height - top - bottom) }
        var svg = "<svg class=\"chart\" id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\">"
        svg += "<title id=\"\(id)-title\">\(HTML.h(title))</title><desc id=\"\(id)-desc\">\(HTML.h(summary))</desc>"
        for step in 0...4 {
            let value = maximum * Double(step) / 4
            let lineY = y(value)
            svg += "<line class=\"grid\" x1=\"\(f(left))\" x2=\"\(f(width - right))\" y1=\"\(f(lineY))\" y2=\"\(f(lineY))\"/>"
            svg += "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(lineY + 4))\" text-anchor=\"end\">\(label(value))\(HTML.h(unit))</text>"
        }
        for step in 0...4 {
            let time = start + Int64(Double(end - start) * Double(step) / 4)
            let clock = String(HTML.time(time).dropFirst(11).prefix(5))
            svg += "<text class=\"axis\" x=\"\(f(x(time)))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(clock)</text>"
        }
        for item in series where !item.points.isEmpty {
            let path = item.points.map { "\(f(x($0.0))),\(f(y($0.1)))" }.joined(separator: " ")
            svg += "<polyline class=\"series \(item.style)\" data-points=\"\(item.points.count)\" points=\"\(path)\"/>"
            if item.points.count == 1, let point = item.points.first {
                svg += "<circle class=\"series \(item.style)\" cx=\"\(f(x(point.0)))\" cy=\"\(f(y(point.1)))\" r=\"3\"/>"
            }
        }
        svg += "</svg>"
        let legend = series.map { "<li><span class=\"key \($0.style)\" aria-hidden=\"true\"></span>\(HTML.h($0.name))</li>" }.joined()
        return "<figure class=\"chart-box\">\(svg)<figcaption><ul class=\"legend\">\(legend)</ul></figcaption></figure>"
    }

    /// Horizontal bars, one per category, each labelled with its count.
    static func bars(id: String, title: String, items: [(String, Int)]) -> String {
        guard !items.isEmpty else { return "<p class=\"empty\">None in this window.</p>" }
        let maximum = Double(items.map(\.1).max() ?? 1)
        let rowHeight = 26.0
        let chartHeight = rowHeight * Double(items.count) + 8
        var svg = "<svg class=\"chart\" id=\"\(id)\" viewBox=\"0 0 \(Int(width)) \(Int(chartHeight))\" role=\"img\" aria-labelledby=\"\(id)-title\">"
        svg += "<title id=\"\(id)-title\">\(HTML.h(title)): "
        svg += HTML.h(items.map { "\($0.0) \($0.1)" }.joined(separator: ", ")) + "</title>"
        for (index, (name, count)) in items.enumerated() {
            let barY = 4 + Double(index) * rowHeight
            let barWidth = max(2, (width - 260) * Double(count) / maximum)
            svg += "<text class=\"axis\" x=\"0\" y=\"\(f(barY + 17))\">\(HTML.h(String(name.prefix(34))))</text>"
            svg += "<rect class=\"bar\" x=\"220\" y=\"\(f(barY + 4))\" width=\"\(f(barWidth))\" height=\"\(f(rowHeight - 8))\"/>"
            svg += "<text class=\"axis\" x=\"\(f(226 + barWidth))\" y=\"\(f(barY + 17))\">\(count)</text>"
        }
        return svg + "</svg>"
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static func label(_ value: Double) -> String {
        value >= 10 || value == 0 ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }

    /// 1, 2 or 5 times a power of ten, at or above `value` (100 for nothing).
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 100 }
        let power = pow(10, floor(log10(value)))
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * power >= value { return factor * power }
        return 10 * power
    }
}
