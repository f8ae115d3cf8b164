/**
 * @module maintenance/AppState
 * The application state (spec 4.8): `startup`, `normal`, `maintenance` (with `retry_after`,
 * `message`, `address_exceptions`) or `shutdown`, in opsi's wire form, validated with zod.
 */
import { z } from "zod";
import { IpNetworkList } from "../http/ip-network.js";

/** Default maintenance message. */
export const DEFAULT_MAINTENANCE_MESSAGE = "Maintenance mode, please try again later";
/** Default `retry_after` in seconds. */
export const DEFAULT_RETRY_AFTER = 600;
/** Default `address_exceptions` (localhost). */
export const DEFAULT_ADDRESS_EXCEPTIONS: readonly string[] = ["127.0.0.1/32", "::1/128"];

const networks = z.array(z.string()).transform((list, ctx) => {
  try {
    return new IpNetworkList(list).toStrings();
  } catch (e: unknown) {
    ctx.addIssue({ code: "custom", message: e instanceof Error ? e.message : String(e) });
    return z.NEVER;
  }
});

/** Input schema of an app state (as `service_setAppState` receives it); fills opsi's defaults. */
export const AppStateInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("startup") }),
  z.object({ type: z.literal("normal") }),
  z.object({
    type: z.literal("maintenance"),
    retry_after: z
      .number()
      .int()
      .min(0)
      .max(86_400 * 7)
      .default(DEFAULT_RETRY_AFTER),
    message: z.string().max(4096).default(DEFAULT_MAINTENANCE_MESSAGE),
    address_exceptions: networks.default([...DEFAULT_ADDRESS_EXCEPTIONS]),
  }),
  z.object({ type: z.literal("shutdown") }),
]);

/** A validated app state. */
export type AppState = z.output<typeof AppStateInput>;
/** The maintenance variant. */
export type MaintenanceState = Extract<AppState, { type: "maintenance" }>;

/**
 * Validates and normalises an app state (CIDRs normalised and de-duplicated); bad input throws a
 * `ZodError` naming the field.
 * @example parseAppState({ type: "maintenance", address_exceptions: ["10.0.0.1"] })
 */
export function parseAppState(input: unknown): AppState {
  return AppStateInput.parse(input);
}
