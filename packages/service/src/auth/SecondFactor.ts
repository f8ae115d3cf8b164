/**
 * @module auth/SecondFactor
 * The seam for multi-factor authentication (TOTP, spec 4.3) of user logins; not implemented here.
 */
import type { User } from "@opsi-ts/core";

/** A second factor for user logins (hosts never use one). */
export interface SecondFactor {
  /**
   * Separates the one-time password from the input before the password check: opsi takes it from
   * the `mfa_otp` login field, the `X-opsi-MFA-OTP` header, or the last six digits of the password.
   */
  split(input: { readonly username: string; readonly password: string; readonly otp?: string }): { password: string; otp?: string };
  /** Throws `BackendAuthenticationError` when the user needs a second factor and `otp` is missing or wrong. */
  verify(input: { readonly username: string; readonly otp?: string; readonly user: User | undefined }): Promise<void>;
}
