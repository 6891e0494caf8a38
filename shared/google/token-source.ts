// The port through which Google clients get a user's access token. Identity's token vault implements
// it; google/ names no integration and holds no scope list, so it depends on nothing above platform/.
export interface TokenUser {
  orgId: string;
  userId: string;
}

export interface GoogleAccessToken {
  token: string;
  expiresAt: Date;
}

export interface TokenSource {
  /** A usable access token for the user's grant of `integration` (a name the caller owns). */
  getAccessToken(user: TokenUser, integration: string): Promise<GoogleAccessToken>;
  /**
   * Google answered 401 to `token`: forget it (if it is still the grant's) so the next call refreshes;
   * `again` = a freshly refreshed token was refused too, so the grant needs the user to reconnect.
   */
  tokenRefused(user: TokenUser, integration: string, token: string, again: boolean): Promise<void>;
}
