// The few helpers the server-rendered pages share: escaping and one small page frame (no build step, no
// external assets, so the pages are light on a slow laptop).

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
body{font:15px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#234;color:#fff;padding:.5em 1em;display:flex;gap:1.5em;align-items:center}
header a{color:#cde}main{padding:1em;max-width:1100px}h1{font-size:1.2em;margin:0}h2{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0}td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
.muted{color:#777}.screen{background:#dfe8d0;border:6px solid #333;border-radius:8px;padding:.6em;min-height:9em;width:16em;white-space:pre-wrap;font:14px monospace}
.screen.ended{background:#ddd}.sim{display:flex;gap:2em;flex-wrap:wrap}.phone label{display:block;margin:.3em 0}
#inbox li{margin:.4em 0;white-space:pre-wrap}form.inline{display:inline}.error{color:#a00}.ok{color:#060}
`;

export function page(title: string, body: string, nav = true): string {
  const links = nav
    ? '<a href="/operator">Operator</a><a href="/simulator">Simulator</a><a href="/metrics">Metrics</a>'
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(title)}</h1>${links}</header>${body}</body></html>`;
}
