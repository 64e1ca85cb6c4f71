/// The portal's stylesheet and script, served as files so that the Content-Security-Policy allows no inline code.
/// Colours meet WCAG AA contrast on their backgrounds; the layout narrows to one column on a phone.
enum PortalAssets {
    static let css = """
        :root { --ink: #1b1f24; --muted: #4a5360; --line: #d0d5dc; --paper: #ffffff; --wash: #f3f5f8; --accent: #0b5cad;
          --ok: #146c2e; --ok-wash: #e3f3e7; --wait: #7a4b00; --wait-wash: #fdf0d5; --bad: #a4161a; --bad-wash: #fbe4e4; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--wash); }
        a { color: var(--accent); } a:focus, button:focus, input:focus, select:focus, summary:focus { outline: 3px solid #f2b705; outline-offset: 2px; }
        .skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: var(--paper); padding: 8px; z-index: 2; }
        header { display: flex; flex-wrap: wrap; align-items: center; gap: 12px 24px; padding: 10px 20px; background: #102a43; color: #fff; }
        header a { color: #fff; text-decoration: none; padding: 4px 6px; border-radius: 4px; } header a[aria-current] { background: #334e68; text-decoration: underline; }
        header nav ul { display: flex; flex-wrap: wrap; gap: 4px 8px; list-style: none; margin: 0; padding: 0; }
        .brand { font-weight: 700; } .dfsp { font-weight: 400; opacity: .9; margin-left: 6px; }
        .logout { margin-left: auto; display: flex; gap: 8px; align-items: center; }
        main { max-width: 1200px; margin: 0 auto; padding: 16px 20px 48px; }
        h1 { font-size: 1.6rem; margin: 8px 0 16px; } h2 { font-size: 1.2rem; margin: 24px 0 8px; } h3 { font-size: 1rem; margin: 12px 0 4px; }
        section, .card, .panel { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin-bottom: 16px; }
        button, .button { display: inline-block; font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--accent);
          background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
        header button { background: transparent; border-color: #fff; }
        label { display: block; font-weight: 600; margin: 8px 0 2px; } input, select { font: inherit; padding: 6px 8px; border: 1px solid #8a94a3; border-radius: 6px; width: 100%; max-width: 24rem; }
        .fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 4px 16px; margin-bottom: 12px; }
        .window { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-bottom: 12px; } .window label { margin: 0; } .window select { width: auto; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 12px; list-style: none; padding: 0; margin: 0; }
        .tile { border-radius: 8px; padding: 12px 16px; font-weight: 600; } .tile .count { display: block; font-size: 2rem; } .tile > span { display: block; overflow-wrap: anywhere; }
        time { white-space: nowrap; }
        .tile.success { background: var(--ok-wash); color: var(--ok); } .tile.pending { background: var(--wait-wash); color: var(--wait); } .tile.error { background: var(--bad-wash); color: var(--bad); }
        .badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: .85rem; font-weight: 600; border: 1px solid currentColor; }
        .badge.success { color: var(--ok); background: var(--ok-wash); } .badge.pending { color: var(--wait); background: var(--wait-wash); } .badge.error { color: var(--bad); background: var(--bad-wash); }
        .scroll { overflow-x: auto; } table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: var(--wash); } .number { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .mono, code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: .9rem; }
        pre { background: var(--wash); padding: 8px; border-radius: 6px; overflow-x: auto; white-space: pre; }
        .panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 16px; } .panels .panel { margin: 0; }
        dl { display: grid; grid-template-columns: fit-content(40%) minmax(0, 1fr); gap: 4px 12px; margin: 0; } dt { font-weight: 600; color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
        .timeline { list-style: none; padding: 0; margin: 0; } .timeline li { display: grid; grid-template-columns: 12rem minmax(0, 1fr); gap: 8px; padding: 6px 0; border-bottom: 1px solid var(--line); }
        .timeline summary { cursor: pointer; } .kind { font-size: .8rem; font-weight: 700; text-transform: uppercase; padding: 0 6px; border-radius: 4px; background: var(--wash); }
        .kind.fact { color: #5b2c83; } .kind.event { color: var(--accent); } .jws { font-size: .85rem; color: var(--ok); } .position, .empty, .live { color: var(--muted); font-size: .9rem; }
        .chart-box { margin: 0; } .chart { width: 100%; height: auto; max-height: 320px; } .grid { stroke: #e1e5ea; } .axis { font-size: 11px; fill: var(--muted); }
        .series { fill: none; stroke-width: 2.5; } .series.s1 { stroke: var(--accent); } .series.s2 { stroke: #b54708; stroke-dasharray: 6 4; } circle.series { fill: currentColor; }
        .bar { fill: #c0392b; } .legend { list-style: none; display: flex; gap: 16px; padding: 0; margin: 4px 0 0; font-size: .9rem; }
        .key { display: inline-block; width: 24px; height: 0; border-top: 3px solid var(--accent); margin-right: 6px; vertical-align: middle; } .key.s2 { border-top: 3px dashed #b54708; }
        .pager { display: flex; gap: 16px; align-items: center; margin-top: 12px; } .problem { color: var(--bad); font-weight: 600; }
        .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
        body.login main { max-width: 26rem; padding-top: 10vh; } body.login .card input { max-width: none; } body.login button { margin-top: 16px; width: 100%; }
        @media (max-width: 640px) { .timeline li { grid-template-columns: 1fr; } header { padding: 8px 12px; } main { padding: 12px; } .logout { margin-left: 0; } }
        """

    /// Live counts on the dashboard, from `/portal/live` (server-sent events); the page works without it.
    static let js = """
        "use strict";
        (function () {
          var tiles = document.querySelector("[data-live-window]");
          if (!tiles || !window.EventSource) { return; }
          var status = document.querySelector("[data-live-status]");
          var source = new EventSource("/portal/live?window=" + encodeURIComponent(tiles.getAttribute("data-live-window")));
          source.addEventListener("counts", function (event) {
            var counts = JSON.parse(event.data);
            Object.keys(counts).forEach(function (name) {
              var cell = tiles.querySelector("[data-live='" + name + "']");
              if (cell && cell.textContent !== String(counts[name])) { cell.textContent = String(counts[name]); }
            });
            if (status) { status.textContent = "Counts updated at " + new Date().toISOString().slice(11, 19) + " UTC."; }
          });
        })();
        """
}
