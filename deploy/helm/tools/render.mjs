// Renders the churnml Helm chart without a helm binary (none is installed on
// the project's machines). It implements the subset of Go's text/template
// and Helm's functions the chart uses — text, {{ }} with {{- -}} trimming,
// if/else/end, range over lists, define/include, and the functions
// printf (%s %d), trunc, trimSuffix, contains, quote, toYaml, nindent, indent,
// default, eq, ne, and, or, not — with Helm's semantics (toYaml sorts keys
// and drops the final newline; nindent starts with a newline). Anything
// outside the subset is an error, never silently wrong, and so is a
// reference to a value that does not exist (helm would print nothing).
// The chart stays plain Helm: `helm template` renders the same files.
//
// Usage: node render.mjs CHART_DIR [-f VALUES.yaml]... [--release NAME] [--namespace NS]
// Writes the manifests to stdout, one "# Source:" document per template.
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

export class TemplateError extends Error {}

// --- lexing and parsing -------------------------------------------------------
function lex(text, file) {
  const nodes = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf("{{", at);
    if (open < 0) {
      nodes.push({ type: "text", value: text.slice(at) });
      break;
    }
    nodes.push({ type: "text", value: text.slice(at, open) });
    const close = text.indexOf("}}", open + 2);
    if (close < 0) throw new TemplateError(`${file}: unclosed {{ at offset ${open}`);
    let inner = text.slice(open + 2, close);
    const trimLeft = inner.startsWith("- ") || inner === "-";
    const trimRight = inner.endsWith(" -");
    if (trimLeft) inner = inner.slice(1);
    if (trimRight) inner = inner.slice(0, -1);
    const line = text.slice(0, open).split("\n").length;
    nodes.push({ type: "action", src: inner.trim(), trimLeft, trimRight, where: `${file}:${line}` });
    at = close + 2;
  }
  // Apply the trim markers to the neighbouring text.
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.type !== "action") continue;
    if (n.trimLeft && i > 0) nodes[i - 1].value = nodes[i - 1].value.replace(/\s+$/, "");
    if (n.trimRight && i + 1 < nodes.length) nodes[i + 1].value = nodes[i + 1].value.replace(/^\s+/, "");
  }
  return nodes.filter((n) => n.type !== "action" || !n.src.startsWith("/*"));
}

function parse(nodes, defines) {
  let i = 0;
  function block(terminators) {
    const out = [];
    while (i < nodes.length) {
      const n = nodes[i];
      if (n.type === "text") {
        if (n.value) out.push(n);
        i++;
        continue;
      }
      const [word, ...rest] = n.src.split(/\s+/);
      const tail = n.src.slice(word.length).trim();
      if (terminators.includes(word)) return { body: out, end: word, node: n };
      i++;
      if (word === "if") {
        const then = block(["else", "end"]);
        let otherwise = [];
        if (then.end === "else") {
          if (then.node.src !== "else") throw new TemplateError(`${then.node.where}: only a plain {{ else }} is supported`);
          i++;
          const e = block(["end"]);
          otherwise = e.body;
        }
        i++;  // the end
        out.push({ type: "if", pipe: tail, then: then.body, otherwise, where: n.where });
      } else if (word === "range") {
        if (/[$]\w+\s*(,|:=)/.test(tail)) throw new TemplateError(`${n.where}: range with variables is not supported`);
        const b = block(["end"]);
        i++;
        out.push({ type: "range", pipe: tail, body: b.body, where: n.where });
      } else if (word === "define") {
        const name = JSON.parse(rest.join(" "));
        const b = block(["end"]);
        i++;
        defines[name] = b.body;
      } else if (["else", "end", "with", "template", "block"].includes(word)) {
        throw new TemplateError(`${n.where}: unexpected or unsupported {{ ${word} }}`);
      } else {
        out.push({ type: "output", pipe: n.src, where: n.where });
      }
    }
    if (terminators.length) throw new TemplateError(`missing {{ end }}`);
    return { body: out };
  }
  return block([]).body;
}

// --- expressions --------------------------------------------------------------
function tokenize(src, where) {
  const tokens = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(\|)|(\()|(\))|(-?\d+(?:\.\d+)?)|([$.][\w.]*|\.)|([A-Za-z_]\w*))/y;
  let m;
  re.lastIndex = 0;
  while (re.lastIndex < src.length) {
    const start = re.lastIndex;
    m = re.exec(src);
    if (!m || m.index !== start) {
      if (/^\s*$/.test(src.slice(start))) break;
      throw new TemplateError(`${where}: cannot read "${src.slice(start)}"`);
    }
    if (m[1] !== undefined) tokens.push({ kind: "str", value: JSON.parse(m[1]) });
    else if (m[2]) tokens.push({ kind: "pipe" });
    else if (m[3]) tokens.push({ kind: "open" });
    else if (m[4]) tokens.push({ kind: "close" });
    else if (m[5] !== undefined) tokens.push({ kind: "num", value: Number(m[5]) });
    else if (m[6] !== undefined) tokens.push({ kind: "field", value: m[6] });
    else if (m[7] === "true" || m[7] === "false") tokens.push({ kind: "bool", value: m[7] === "true" });
    else tokens.push({ kind: "ident", value: m[7] });
  }
  return tokens;
}

const MISSING = Symbol("missing");

function truthy(v) {
  if (v === MISSING || v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

function show(v, where) {
  if (v === MISSING || v === undefined) throw new TemplateError(`${where}: the value does not exist`);
  if (v === null) return "null";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function indentLines(n, s) {
  const pad = " ".repeat(n);
  return String(s).split("\n").map((l) => pad + l).join("\n");
}

function makeFunctions(ctx) {
  return {
    include: (name, dot) => {
      if (!(name in ctx.defines)) throw new TemplateError(`include: no template "${name}"`);
      return execute(ctx.defines[name], dot, ctx);
    },
    toYaml: (v) => (v === MISSING ? "null" : YAML.stringify(v, { sortMapEntries: true }).replace(/\n$/, "")),
    nindent: (n, s) => "\n" + indentLines(n, show(s, "nindent")),
    indent: (n, s) => indentLines(n, show(s, "indent")),
    quote: (v) => JSON.stringify(show(v, "quote")),
    printf: (format, ...args) => {
      let k = 0;
      return format.replace(/%[sd]/g, () => show(args[k++], "printf"));
    },
    trunc: (n, s) => String(s).slice(0, n),
    trimSuffix: (suffix, s) => (String(s).endsWith(suffix) ? String(s).slice(0, -suffix.length) : String(s)),
    default: (d, v) => (truthy(v) ? v : d),
    contains: (sub, s) => String(s).includes(String(sub)),
    eq: (a, b) => a === b,
    ne: (a, b) => a !== b,
    and: (...xs) => xs.every(truthy),
    or: (...xs) => xs.some(truthy),
    not: (x) => !truthy(x),
  };
}

function lookup(field, dot, root) {
  if (field === ".") return dot;
  let v = field.startsWith("$") ? root : dot;
  const parts = field.replace(/^\$/, "").split(".").filter(Boolean);
  for (const p of parts) {
    if (v === MISSING || v === null || typeof v !== "object" || !(p in v)) return MISSING;
    v = v[p];
  }
  return v;
}

function evalPipe(src, dot, ctx, where) {
  const tokens = tokenize(src, where);
  let pos = 0;
  const fns = makeFunctions(ctx);
  function term() {
    const t = tokens[pos++];
    if (!t) throw new TemplateError(`${where}: expression ends early: ${src}`);
    if (t.kind === "open") {
      const v = pipeline(true);
      if (tokens[pos++]?.kind !== "close") throw new TemplateError(`${where}: missing ) in ${src}`);
      return v;
    }
    if (t.kind === "field") return lookup(t.value, dot, ctx.root);
    if (t.kind === "ident") return { fn: t.value };
    return t.value;
  }
  function command(piped, hasPiped) {
    const terms = [];
    while (pos < tokens.length && tokens[pos].kind !== "pipe" && tokens[pos].kind !== "close") terms.push(term());
    if (terms.length === 0) throw new TemplateError(`${where}: empty command in ${src}`);
    const [head, ...args] = terms;
    if (head && typeof head === "object" && "fn" in head) {
      const f = fns[head.fn];
      if (!f) throw new TemplateError(`${where}: unknown function "${head.fn}"`);
      if (hasPiped) args.push(piped);
      return f(...args);
    }
    if (args.length || hasPiped) throw new TemplateError(`${where}: "${src}" applies arguments to a value`);
    return head;
  }
  function pipeline() {
    let v = command(undefined, false);
    while (pos < tokens.length && tokens[pos].kind === "pipe") {
      pos++;
      v = command(v, true);
    }
    return v;
  }
  const v = pipeline();
  if (pos !== tokens.length) throw new TemplateError(`${where}: unexpected text in ${src}`);
  return v;
}

function execute(nodes, dot, ctx) {
  let out = "";
  for (const n of nodes) {
    if (n.type === "text") out += n.value;
    else if (n.type === "output") out += show(evalPipe(n.pipe, dot, ctx, n.where), n.where);
    else if (n.type === "if") out += execute(truthy(evalPipe(n.pipe, dot, ctx, n.where)) ? n.then : n.otherwise, dot, ctx);
    else if (n.type === "range") {
      const list = evalPipe(n.pipe, dot, ctx, n.where);
      if (list === MISSING || list === null) continue;
      if (!Array.isArray(list)) throw new TemplateError(`${n.where}: range over something that is not a list`);
      for (const item of list) out += execute(n.body, item, ctx);
    }
  }
  return out;
}

// --- values and the chart -----------------------------------------------------
function merge(base, over) {
  if (over === null || typeof over !== "object" || Array.isArray(over)) return over;
  const out = { ...(base && typeof base === "object" && !Array.isArray(base) ? base : {}) };
  for (const [k, v] of Object.entries(over)) out[k] = k in out ? merge(out[k], v) : v;
  return out;
}

export function renderChart(chartDir, valueFiles = [], release = "churnml", namespace = "default") {
  const chart = YAML.parse(fs.readFileSync(path.join(chartDir, "Chart.yaml"), "utf8"));
  let values = YAML.parse(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8")) ?? {};
  for (const f of valueFiles) values = merge(values, YAML.parse(fs.readFileSync(f, "utf8")) ?? {});
  const root = {
    Values: values,
    Release: { Name: release, Namespace: namespace, Service: "Helm" },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const ctx = { root, defines: {} };
  const dir = path.join(chartDir, "templates");
  const files = fs.readdirSync(dir).sort();
  const parsed = {};
  for (const f of files) {
    const nodes = parse(lex(fs.readFileSync(path.join(dir, f), "utf8"), `templates/${f}`), ctx.defines);
    if (!f.startsWith("_")) parsed[f] = nodes;
  }
  let out = "";
  for (const [f, nodes] of Object.entries(parsed)) {
    const text = execute(nodes, root, ctx);
    if (text.trim() === "") continue;
    out += `---\n# Source: ${chart.name}/templates/${f}\n${text.replace(/^\n+/, "").replace(/\s+$/, "")}\n`;
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const valueFiles = [];
  let chartDir, release = "churnml", namespace = "default";
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "-f") valueFiles.push(args[++i]);
    else if (args[i] === "--release") release = args[++i];
    else if (args[i] === "--namespace") namespace = args[++i];
    else chartDir = args[i];
  }
  try {
    process.stdout.write(renderChart(chartDir, valueFiles, release, namespace));
  } catch (e) {
    process.stderr.write(`render: ${e.message}\n`);
    process.exit(2);
  }
}
