/**
 * @module identity
 * Who is calling: the authenticated identity and call context shared by auth, ACL and RPC methods.
 */

/** Kind of an authenticated caller. Config servers count as depots (`opsi_depotserver` in the ACL). */
export type IdentityKind = "user" | "client" | "depot";

/** An authenticated caller. */
export interface Identity {
  readonly kind: IdentityKind;
  /** Lowercased user name, or the host id for clients and depots. */
  readonly name: string;
  /** The host id for clients and depots. */
  readonly hostId?: string;
  /** Depots/config servers and users in the admin group (inside `admin-networks`). */
  readonly isAdmin: boolean;
  /** Users in the read-only group (reported only, not enforced by the server, like opsi). */
  readonly isReadOnly: boolean;
  /** Lowercased group names of a user (empty for hosts). */
  readonly groups: readonly string[];
}

/** Context of one RPC call. */
export interface CallerContext {
  readonly identity: Identity;
  readonly sessionId: string;
  /** The client address (after trusted-proxy handling). */
  readonly clientAddress: string;
}
