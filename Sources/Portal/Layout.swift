import Foundation

/// The frame of every page: a skip link, the header with the DFSP and the signed-in user, navigation limited to
/// the user's roles, and the page's content.
enum Layout {
    struct Link {
        var path: String
        var label: String
        var roles: Set<PortalRole>
    }

    static let links: [Link] = [
        Link(path: "/portal/dashboard", label: "Dashboard", roles: [.business]),
        Link(path: "/portal/transfers", label: "Transfers", roles: [.business]),
        Link(path: "/portal/errors", label: "Errors", roles: [.business]),
        Link(path: "/portal/operations", label: "Lookups & requests", roles: [.business]),
        Link(path: "/portal/connection", label: "Connection", roles: [.technical]),
        Link(path: "/portal/service", label: "Service", roles: [.technical]),
        Link(path: "/portal/credentials", label: "Credentials", roles: [.technical]),
    ]

    static func page(title: String, current: String, session: PortalSession, dfspId: String, body: String) -> String {
        let navigation = links.filter { session.user.may($0.roles) }.map { link in
            let here = current == link.path
            return "<li><a href=\"\(link.path)\"\(here ? " aria-current=\"page\"" : "")>\(HTML.h(link.label))</a></li>"
        }.joined()
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTML.h(title)) · Payment Manager · \(HTML.h(dfspId))</title>
            <link rel="stylesheet" href="/assets/portal.css"><script src="/assets/portal.js" defer></script></head>
            <body data-csrf="\(HTML.h(session.csrfToken))">
            <a class="skip" href="#main">Skip to content</a>
            <header><div class="brand">Payment Manager <span class="dfsp">\(HTML.h(dfspId))</span></div>
            <nav aria-label="Main"><ul>\(navigation)</ul></nav>
            <form class="logout" method="post" action="/logout"><input type="hidden" name="csrf" value="\(HTML.h(session.csrfToken))">
            <span class="user">\(HTML.h(session.user.name))</span> <button type="submit">Sign out</button></form></header>
            <main id="main" tabindex="-1"><h1>\(HTML.h(title))</h1>
            \(body)
            </main></body></html>
            """
    }

    static func login(message: String?, token: String, name: String, next: String, singleSignOn: String? = nil) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Sign in · Payment Manager</title><link rel="stylesheet" href="/assets/portal.css"></head>
        <body class="login"><main id="main"><h1>Payment Manager</h1>
        <form method="post" action="/login" class="card">
        <h2>Sign in</h2>
        \(message.map { "<p class=\"problem\" role=\"alert\">\(HTML.h($0))</p>" } ?? "")
        <input type="hidden" name="csrf" value="\(HTML.h(token))"><input type="hidden" name="next" value="\(HTML.h(next))">
        <label for="name">User name</label><input id="name" name="name" autocomplete="username" required value="\(HTML.h(name))" autofocus>
        <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Sign in</button></form>
        \(singleSignOn.map { "<p class=\"card\"><a class=\"button sso\" href=\"\(HTML.h($0))\">Sign in with single sign-on</a></p>" } ?? "")
        </main></body></html>
        """
    }

    /// After a single sign-on: a page that sends the browser on (a navigation from this site, so that its session cookie goes with it).
    static func continuing(to next: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="refresh" content="0;url=\(HTML.h(next))"><title>Signed in · Payment Manager</title>
        <link rel="stylesheet" href="/assets/portal.css"></head>
        <body class="login"><main id="main"><h1>Signed in</h1><p><a href="\(HTML.h(next))">Continue to the portal</a></p></main></body></html>
        """
    }

    static func problem(title: String, message: String) -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.h(title)) · Payment Manager</title><link rel="stylesheet" href="/assets/portal.css"></head>
        <body class="login"><main id="main"><h1>\(HTML.h(title))</h1><p>\(HTML.h(message))</p><p><a href="/portal">Back to the portal</a></p></main></body></html>
        """
    }
}
