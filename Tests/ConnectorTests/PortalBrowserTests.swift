import Foundation
import PMCore
@testable import PaymentManager
import Portal
import Testing

/// The portal in a real browser (headless Chromium driven through chromedriver): a business user signs in, sees the
/// charts drawn with the demo's transfers, finds a transfer, opens its timeline and exports CSV, and is refused the
/// technical pages; a technical user sees the connection and the credentials. A screenshot of each page is saved
/// under `.artifacts/portal/` in the working tree (kept out of git), for CI to keep.
@Suite(.serialized)
struct PortalBrowserTests {
    static let artifacts = PortalAccessTests.root.appendingPathComponent(".artifacts/portal").path

    @Test("a business user and a technical user use the portal in Chromium; screenshots of every page")
    func browser() async throws {
        try #require(ChromeDriver.isAvailable, "chromedriver is not installed (Debian: apt-get install chromium chromium-driver)")
        try await withTopology({
            $0.readSide = true
            $0.portalUsers = TestUsers.all
        }) { topology in
            let port = try await #require(topology.payerReadSide).listeningPort()
            var ids: [String] = []
            for index in 0..<4 {
                let (status, body) = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(
                    from: "2771000000\(index)", to: "2772000000\(index)", amount: "1\(index).5"))
                #expect(status == 200)
                ids.append(try #require(body["transferId"]?.stringValue))
            }
            let (failed, _) = try await topology.payerAPI.call("POST", "/transfers", OutboundCaller.transferRequest(from: "27710000000", to: "27729999999"))
            #expect(failed >= 400)
            let api = ReadSideEndToEndTests.ExperienceCaller(port: port)
            try await api.awaitTotal(4, query: "status=SUCCESS")
            try await api.awaitTotal(1, query: "status=ERROR")

            let base = "http://127.0.0.1:\(port)"
            try await ChromeDriver.withSession { browser in
                try await browser.setWindowSize(width: 1280, height: 900)
                func shot(_ name: String) async throws { try await browser.screenshot(to: "\(Self.artifacts)/\(name).png") }
                func signIn(_ user: PortalUser) async throws {
                    _ = try await browser.waitFor(css: "form[action='/login'] #name")
                    try await browser.sendKeys(try await browser.findElement(css: "#name"), user.name)
                    try await browser.sendKeys(try await browser.findElement(css: "#password"), TestUsers.password)
                    try await browser.click(try await browser.findElement(css: "form[action='/login'] button[type=submit]"))
                }

                // Asked for the dashboard without a session: the login form, then the dashboard.
                try await browser.navigate(to: "\(base)/portal/dashboard")
                try await shot("login")
                try await signIn(TestUsers.business)
                _ = try await browser.waitFor(css: "#success-chart")
                #expect(try await browser.currentURL() == "\(base)/portal/dashboard")
                let cookies = try await browser.cookies()
                let session = try #require(cookies.first { $0.name == "pm-session-payerfsp" })
                #expect(session.httpOnly && session.secure && session.sameSite == "Strict")
                // The charts are drawn with the transfers' minutes; the tiles count them.
                let series = try await browser.findElements(css: "#success-chart polyline.series, #success-chart circle.series")
                #expect(!series.isEmpty)
                let points = try await browser.attribute(try await browser.findElement(css: "#time-chart .series"), "data-points")
                #expect((points.flatMap(Int.init) ?? 0) > 0)
                #expect(try await browser.text(of: try await browser.findElement(css: "[data-live=SUCCESS]")) == "4")
                #expect(try await browser.text(of: try await browser.findElement(css: "[data-live=ERROR]")) == "1")
                #expect(try await browser.findElements(css: "#errors-chart rect.bar").count == 1)
                // The live stream updates the counts without a reload.
                try await browser.waitUntil(timeout: .seconds(10), what: "a live update") {
                    try await browser.text(of: try await browser.findElement(css: "[data-live-status]")).hasPrefix("Counts updated at")
                }
                try await shot("dashboard")

                // Find a transfer by a part of its id, open it, read its timeline.
                try await browser.click(try await browser.findElement(css: "nav a[href='/portal/transfers']"))
                let search = try await browser.waitFor(css: "form.search #id")
                try await browser.sendKeys(search, String(ids[2].prefix(13)))
                try await browser.click(try await browser.findElement(css: "form.search button[type=submit]"))
                try await browser.waitUntil(what: "one match") {
                    (try? await browser.text(of: try await browser.findElement(css: "[data-total]"))) == "1"
                }
                try await shot("transfers")
                try await browser.click(try await browser.findElement(css: "table.transfers tbody a"))
                _ = try await browser.waitFor(css: "ol.timeline")
                #expect(try await browser.title().contains(ids[2]))
                let entries = try await browser.findElements(css: "ol.timeline > li")
                #expect(entries.count >= 8)
                let received = try await browser.findElements(css: "ol.timeline details")
                var opened = false
                for entry in received {
                    let text = try await browser.executeScript("return arguments[0].querySelector('summary').textContent", args: [WebDriverSession.reference(entry)])
                    if text.stringValue?.contains("received PUT /quotes/") == true {
                        try await browser.executeScript("arguments[0].open = true", args: [WebDriverSession.reference(entry)])
                        let shown = try await browser.text(of: entry)
                        #expect(shown.contains("FSPIOP-Source") || shown.contains("fspiop-source"))
                        #expect(shown.contains("JWS: verified"))
                        opened = true
                        break
                    }
                }
                #expect(opened, "no received quote callback in the timeline")
                // Amounts with their currency's decimals (XXX has none defined: as recorded).
                #expect(try await browser.pageSource().contains("12.5 XXX"))
                try await shot("transfer")

                // CSV of the search, through the page's own export link and the browser's session.
                try await browser.navigate(to: "\(base)/portal/transfers?status=SUCCESS")
                let exported = try await browser.executeScript("""
                    var x = new XMLHttpRequest(); x.open('GET', document.querySelector('a[download]').href, false); x.send();
                    return [x.status, x.getResponseHeader('Content-Type'), x.responseText];
                    """)
                guard case let .array(parts) = exported, parts.count == 3 else { Issue.record("no CSV: \(exported)"); return }
                #expect(parts[0] == .number("200"))
                #expect(parts[1].stringValue?.hasPrefix("text/csv") == true)
                #expect(parts[2].stringValue?.split(separator: "\r\n").count == 5)

                try await browser.navigate(to: "\(base)/portal/errors")
                _ = try await browser.waitFor(css: "table.transfers")
                try await shot("errors")
                try await browser.navigate(to: "\(base)/portal/operations")
                _ = try await browser.waitFor(css: "form.search")
                try await shot("operations")

                // The technical pages are not for a business user.
                for page in ["connection", "service", "credentials"] {
                    try await browser.navigate(to: "\(base)/portal/\(page)")
                    #expect(try await browser.pageSource().contains("Not for your role"), "\(page)")
                }
                #expect(try await browser.findElements(css: "nav a[href='/portal/connection']").isEmpty)

                // Sign out; sign in as the technical user.
                try await browser.click(try await browser.findElement(css: "form.logout button"))
                try await signIn(TestUsers.technical)
                _ = try await browser.waitFor(css: "main h1")
                #expect(try await browser.currentURL() == "\(base)/portal/connection")
                // The hub checked now, over mutual TLS with this DFSP's certificate (a form with the session's token).
                try await browser.click(try await browser.findElement(css: "form[action='/portal/connection/check'] button"))
                _ = try await browser.waitFor(css: "table.checks")
                let connection = try await browser.pageSource()
                #expect(connection.contains("Hub: quotes") && connection.contains("mTLS"))
                #expect(try await browser.findElements(css: "table.checks tbody tr").count >= 1)
                #expect(connection.contains(">Reachable<"))
                try await shot("connection")
                try await browser.navigate(to: "\(base)/portal/credentials")
                let credentials = try await browser.pageSource()
                #expect(credentials.contains("JWS signing key of payerfsp") && credentials.contains("CN=") && !credentials.contains("PRIVATE KEY"))
                try await shot("credentials")
                try await browser.navigate(to: "\(base)/portal/service")
                let service = try await browser.pageSource()
                #expect(service.contains("Requests served") && service.contains("consumer group <code>pm.processor</code>"))
                try await shot("service")
                try await browser.navigate(to: "\(base)/portal/dashboard")
                #expect(try await browser.pageSource().contains("Not for your role"))

                // On a phone's screen: nothing wider than the screen but the tables, which scroll in their own box.
                try await browser.setWindowSize(width: 390, height: 844)
                func fitsPhone(_ path: String) async throws {
                    try await browser.navigate(to: "\(base)\(path)")
                    _ = try await browser.waitFor(css: "main h1")
                    let overflowing = try await browser.executeScript("""
                        var width = document.documentElement.clientWidth, wide = [];
                        document.querySelectorAll('body *').forEach(function (e) {
                          if (e.closest('.scroll') || e.closest('pre')) { return; }
                          var box = e.getBoundingClientRect(); if (box.right > width + 1) { wide.push(e.tagName + '.' + e.className + ' ' + Math.round(box.right)); }
                        });
                        return wide.join('; ');
                        """)
                    #expect(overflowing.stringValue == "", "\(path) is wider than a phone's screen: \(overflowing)")
                }
                try await fitsPhone("/portal/connection")
                try await shot("connection-phone")
                try await fitsPhone("/portal/credentials")
                try await browser.click(try await browser.findElement(css: "form.logout button"))
                try await signIn(TestUsers.admin)
                for path in ["/portal/dashboard", "/portal/transfers", "/portal/transfers/\(ids[2])", "/portal/errors", "/portal/operations", "/portal/service"] {
                    try await fitsPhone(path)
                }
                try await fitsPhone("/portal/dashboard")
                try await shot("dashboard-phone")
            }
        }
    }
}
