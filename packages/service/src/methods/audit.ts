/** @module methods/audit Audit methods beyond CRUD: `auditHardware_getConfig` with localised labels and the `_setObsolete` deletes. */
import {
  expandLocale,
  forceHostId,
  forceLanguageCode,
  type HardwareAuditConfig,
  type HardwareClassConfig,
  OpsiServicePermissionError,
  parseProperties,
} from "@opsi-ts/core";
import type { MethodContext, MethodHandler } from "./context.js";
import { listOf } from "./wire.js";

/**
 * The locale file a language resolves to, like opsiconfd: the exact code (`de_DE`), then `de`
 * for `de_DE` or `de_DE` for `de`, then `en`. Returns the key of `locales` or null.
 * @example resolveLocale(new Map([["de", "..."]]), "de-DE") // "de"
 */
export function resolveLocale(locales: ReadonlyMap<string, string>, language: unknown): string | null {
  const code = language ? forceLanguageCode(language).replace(/-/g, "_") : "en";
  const candidates = [code];
  if (code.includes("_")) candidates.push(code.split("_")[0] ?? code);
  else candidates.push(`${code}_${code.toUpperCase()}`);
  candidates.push("en");
  for (const candidate of candidates) {
    for (const key of [candidate, candidate.replace(/_/g, "-")]) if (locales.has(key)) return key;
  }
  return null;
}

/**
 * Labels of inherited attributes without the raw class list: `<CLASS>.<attr>` falls back to
 * `<Super>.<attr>` of the class's direct supers, then to any non-STRUCTURAL class's label.
 */
function expandWithoutRaw(config: HardwareAuditConfig, labels: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map(labels);
  const structural = new Set(config.classNames());
  const virtualLabels = new Map<string, string>();
  for (const [key, value] of labels) {
    const dot = key.indexOf(".");
    if (dot < 0 || structural.has(key.slice(0, dot))) continue;
    const attr = key.slice(dot + 1);
    if (!virtualLabels.has(attr)) virtualLabels.set(attr, value);
  }
  for (const cls of config.classes()) {
    const supers = cls.config.Class.Super ?? [];
    for (const value of cls.config.Values) {
      const key = `${cls.name}.${value.Opsi}`;
      if (out.has(key)) continue;
      const fromSuper = supers.map((s) => labels.get(`${s}.${value.Opsi}`)).find((l) => l !== undefined);
      const label = fromSuper ?? virtualLabels.get(value.Opsi);
      if (label !== undefined) out.set(key, label);
    }
  }
  return out;
}

/**
 * `auditHardware_getConfig(language)`: the STRUCTURAL classes with inherited values and `UI` labels
 * from `hwaudit_<lang>.properties` (missing labels from `en`, then the technical name); `Super` and
 * `Type` are removed from `Class`, as opsiconfd does.
 * @example hardwareAuditConfig(ctx, "de")[0].Class.UI // "Computer"
 */
export function hardwareAuditConfig(ctx: MethodContext, language: unknown): HardwareClassConfig[] {
  const config = ctx.environment.hardwareAudit;
  const locales = ctx.environment.hardwareAuditLocales;
  const raw = ctx.settings.hardwareAuditClasses;
  const labelsOf = (key: string | null): Map<string, string> => {
    if (key === null) return new Map();
    const parsed = parseProperties(locales.get(key) ?? "");
    return raw ? expandLocale(raw, parsed) : expandWithoutRaw(config, parsed);
  };
  const key = resolveLocale(locales, language);
  const labels = labelsOf(key);
  const fallback = key === "en" ? labels : labelsOf(locales.has("en") ? "en" : null);
  const label = (k: string): string | undefined => labels.get(k) ?? fallback.get(k);
  return config.classes().map((cls) => {
    const { Super: _super, Type: _type, ...classInfo } = cls.config.Class;
    return {
      Class: { ...classInfo, Opsi: cls.name, UI: label(cls.name) ?? cls.name },
      Values: cls.config.Values.map((v) => ({ ...v, UI: label(`${cls.name}.${v.Opsi}`) ?? v.Opsi })),
    };
  });
}

/**
 * `auditSoftwareOnClient_setObsolete(clientId)`: deletes all software audit rows of the clients.
 * Upstream runs no ACL check at all here; opsi-ts allows admins, depots and a client for itself.
 * @example await setSoftwareObsolete(ctx, "pc1.dom.tld")
 */
export async function setSoftwareObsolete(ctx: MethodContext, clientIdArg: unknown): Promise<null> {
  const clientIds = listOf(clientIdArg)
    .filter((v) => v !== null && v !== "")
    .map(forceHostId);
  if (clientIds.length === 0) return null;
  if (!ctx.identity.isAdmin) {
    const own = (ctx.identity.hostId ?? ctx.identity.name).toLowerCase();
    if (ctx.identity.kind !== "client" || clientIds.some((id) => id !== own)) {
      throw new OpsiServicePermissionError("No permission for method 'auditSoftwareOnClient_setObsolete'");
    }
  }
  const rows = await ctx.internal.getObjects("auditSoftwareOnClient", ["clientId"], { clientId: clientIds });
  if (rows.length > 0) await ctx.internal.deleteObjects("auditSoftwareOnClient", rows);
  return null;
}

/**
 * Handlers of the audit methods beyond CRUD.
 * @example auditHandlers().get("auditHardware_getConfig")
 */
export function auditHandlers(): Map<string, MethodHandler> {
  const h = new Map<string, MethodHandler>();
  h.set("auditHardware_getConfig", async (ctx, p) => {
    ctx.require("auditHardware_getConfig");
    return hardwareAuditConfig(ctx, p.args.language);
  });
  h.set("getOpsiHWAuditConf", async (ctx, p) => {
    ctx.require("auditHardware_getConfig");
    return hardwareAuditConfig(ctx, p.args.locale);
  });
  h.set("auditSoftwareOnClient_setObsolete", (ctx, p) => setSoftwareObsolete(ctx, p.args.clientId));
  h.set("auditHardwareOnHost_setObsolete", async (ctx, p) => {
    const hostIds = listOf(p.args.hostId)
      .filter((v) => v !== null && v !== "")
      .map(forceHostId);
    if (hostIds.length === 0) return null;
    const rows = await ctx.backend.getObjects("auditHardwareOnHost", [], { hostId: hostIds });
    if (rows.length > 0) await ctx.backend.deleteObjects("auditHardwareOnHost", rows);
    return null;
  });
  return h;
}
