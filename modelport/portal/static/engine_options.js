// An engine's options as form fields, from the JSON schema its plug-in declares
// (GET /management/engines): the deploy form and a deployment's "Change engine options" form.
import { el } from "./api.js";

// The type of one option from its JSON schema (pydantic writes `X | None` as anyOf, and an enum
// as a $ref to its definition).
function optionType(schema, defs) {
  const kinds = schema.anyOf ? schema.anyOf.filter((k) => k.type !== "null") : [schema];
  const kind = kinds[0] ?? {};
  return kind.$ref ? defs[kind.$ref.split("/").pop()] ?? {} : kind;
}

function optionInput(id, name, schema, kind, secret, required) {
  const common = { id, name, "data-option": name, required,
    "aria-describedby": schema.description ? `${id}-help` : undefined };
  if (kind.enum) {
    const fallback = schema.default !== undefined ? `Default (${schema.default})` : "Default";
    return el("select", common, el("option", { value: "", text: fallback }),
      kind.enum.map((value) => el("option", { value, text: value })));
  }
  return el("input", { ...common, autocomplete: "off", spellcheck: "false",
    type: secret ? "password" : kind.type === "integer" ? "number" : "text",
    min: kind.minimum, max: kind.maximum });
}

// One labelled field per option of `engine` into `container`. `current` (a deployment's options)
// fills them in; a secret option is never shown: left empty, it stays as stored.
export function renderOptionFields(container, engine, prefix, current = null) {
  container.replaceChildren();
  if (!engine) return;
  const required = new Set(current ? [] : engine.options.required ?? []);
  for (const [name, schema] of Object.entries(engine.options.properties ?? {})) {
    const kind = optionType(schema, engine.options.$defs ?? {});
    const secret = engine.secret_options.includes(name);
    const id = `${prefix}-${name}`;
    const input = optionInput(id, name, schema, kind, secret, required.has(name));
    if (current && !secret && current[name] !== undefined && current[name] !== null) {
      input.value = String(current[name]);
    }
    if (secret && current) input.placeholder = current[name] !== undefined ? "stored; type to replace" : "";
    const optional = required.has(name) || current ? "" : " (optional)";
    container.append(el("div", {},
      el("label", { for: id, text: `${schema.title ?? kind.title ?? name}${optional}` }),
      input,
      schema.description ? el("p", { id: `${id}-help`, class: "help", text: schema.description }) : null));
  }
}

function fieldValue(input) {
  const value = input.value.trim();
  return input.type === "number" ? Number(value) : value;
}

// The options given in the fields (empty ones left out): a new deployment's.
export function chosenOptions(container) {
  const options = {};
  for (const input of container.querySelectorAll("[data-option]")) {
    if (input.value.trim()) options[input.dataset.option] = fieldValue(input);
  }
  return options;
}

// What differs from `current`: a changed field gives its value, a field emptied gives null
// (the default applies again); an empty secret field changes nothing.
export function changedOptions(container, current, secrets) {
  const changes = {};
  for (const input of container.querySelectorAll("[data-option]")) {
    const name = input.dataset.option;
    const given = input.value.trim();
    if (secrets.includes(name)) {
      if (given) changes[name] = given;
      continue;
    }
    const before = current[name] === undefined || current[name] === null ? "" : String(current[name]);
    if (given === before) continue;
    changes[name] = given ? fieldValue(input) : null;
  }
  return changes;
}
