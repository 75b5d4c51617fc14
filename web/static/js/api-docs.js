// The API reference page: renders /api/openapi.json as readable sections (no framework,
// no CDN; the page's content security policy allows only our own scripts).
import { h as el } from "./dom.js";

const REF = "#/components/schemas/";

function refName(schema) {
  return schema && schema.$ref && schema.$ref.startsWith(REF) ? schema.$ref.slice(REF.length) : null;
}

function typeText(schema, schemas) {
  if (!schema) return "";
  const name = refName(schema);
  if (name) return name;
  if (schema.anyOf) return schema.anyOf.map((s) => typeText(s, schemas)).join(" | ");
  if (schema.allOf) return schema.allOf.map((s) => typeText(s, schemas)).join(" & ");
  if (schema.type === "array") return `${typeText(schema.items, schemas)}[]`;
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const limits = [];
  if (schema.format) limits.push(schema.format);
  if (schema.contentEncoding) limits.push(schema.contentEncoding);
  if (schema.maxLength !== undefined) limits.push(`≤ ${schema.maxLength} chars`);
  if (schema.minimum !== undefined || schema.maximum !== undefined) {
    limits.push(`${schema.minimum ?? ""}…${schema.maximum ?? ""}`);
  }
  if (schema.type === "object" && schema.additionalProperties) {
    return `object of ${typeText(schema.additionalProperties, schemas)}`;
  }
  return `${schema.type ?? "any"}${limits.length ? ` (${limits.join(", ")})` : ""}`;
}

function fieldsTable(schema, schemas) {
  const name = refName(schema);
  const resolved = name ? schemas[name] : schema;
  if (!resolved || !resolved.properties) return el("p", {}, el("code", {}, typeText(schema, schemas)));
  const required = new Set(resolved.required ?? []);
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "required"))),
    el(
      "tbody",
      {},
      ...Object.entries(resolved.properties).map(([field, sub]) =>
        el(
          "tr",
          {},
          el("td", {}, el("code", {}, field)),
          el("td", {}, el("code", {}, typeText(sub, schemas)), sub.description ? ` — ${sub.description}` : ""),
          el("td", {}, required.has(field) ? "yes" : "no"),
        ),
      ),
    ),
  );
}

function operationCard(method, path, op, schemas, responses) {
  const parts = [
    el("h3", {}, el("span", { className: "api-method" }, method.toUpperCase()), el("span", { className: "api-path" }, path)),
    el("p", { className: "api-summary" }, op.summary ?? ""),
  ];
  if (op.security) parts.push(el("p", {}, "Needs a session (Authorization: Bearer)."));
  if (op.parameters?.length) {
    parts.push(
      el(
        "table",
        {},
        el("thead", {}, el("tr", {}, el("th", {}, "parameter"), el("th", {}, "in"), el("th", {}, "type"))),
        el(
          "tbody",
          {},
          ...op.parameters.map((p) =>
            el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, el("code", {}, typeText(p.schema, schemas)))),
          ),
        ),
      ),
    );
  }
  const body = op.requestBody?.content?.["application/json"]?.schema;
  if (body) parts.push(el("details", {}, el("summary", {}, `Request body: ${typeText(body, schemas)}`), fieldsTable(body, schemas)));
  for (const [status, response] of Object.entries(op.responses ?? {})) {
    const shared = response.$ref ? responses[response.$ref.split("/").pop()] : response;
    const content = shared?.content ?? {};
    const [type, media] = Object.entries(content)[0] ?? [];
    const schema = media?.schema;
    const label = `${status}: ${shared?.description ?? ""}${type && type !== "application/json" ? ` (${type})` : ""}`;
    if (schema && status.startsWith("2")) {
      parts.push(el("details", {}, el("summary", {}, `${label} — ${typeText(schema, schemas)}`), fieldsTable(schema, schemas)));
    } else {
      parts.push(el("p", {}, label));
    }
  }
  return el("article", { className: "api-operation", id: op.operationId }, ...parts);
}

function socketSection(socket, schemas) {
  const rows = (events, withAck) =>
    Object.entries(events).map(([name, event]) =>
      el(
        "article",
        { className: "api-operation" },
        el("h3", {}, el("span", { className: "api-method" }, withAck ? "emit" : "on"), el("span", { className: "api-path" }, name)),
        el("p", { className: "api-summary" }, event.summary),
        el("details", {}, el("summary", {}, `Payload: ${typeText(event.payload, schemas)}`), fieldsTable(event.payload, schemas)),
        withAck ? el("details", {}, el("summary", {}, `Acknowledgement: ${typeText(event.ack, schemas)}`), fieldsTable(event.ack, schemas)) : null,
      ),
    );
  return el(
    "section",
    { id: "socket-io" },
    el("h2", {}, "Socket.IO"),
    el("p", {}, socket.auth, " ", socket.acknowledgement),
    el("h3", {}, "Client events"),
    ...rows(socket.clientEvents, true),
    el("h3", {}, "Server events"),
    ...rows(socket.serverEvents, false),
  );
}

async function render() {
  const target = document.getElementById("api-reference");
  const toc = document.getElementById("api-toc");
  const response = await fetch("/api/openapi.json");
  if (!response.ok) {
    target.replaceChildren(el("p", { role: "alert" }, "The API document could not be loaded."));
    return;
  }
  const doc = await response.json();
  const schemas = doc.components?.schemas ?? {};
  const responses = doc.components?.responses ?? {};
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = op.tags?.[0] ?? "other";
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(operationCard(method, path, op, schemas, responses));
    }
  }
  const sections = [...byTag.entries()].map(([tag, cards]) => el("section", { id: `tag-${tag}` }, el("h2", {}, tag), ...cards));
  if (doc["x-socketio"]) sections.push(socketSection(doc["x-socketio"], schemas));
  toc.replaceChildren(
    ...[...byTag.keys()].map((tag) => el("li", {}, el("a", { href: `#tag-${tag}` }, tag))),
    ...(doc["x-socketio"] ? [el("li", {}, el("a", { href: "#socket-io" }, "Socket.IO"))] : []),
  );
  target.replaceChildren(...sections);
}

render();
