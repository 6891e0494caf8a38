// The Secret Manager secret ids identity reads. Values are JSON where a secret holds a key ring.
export const SECRET = {
  /** {"current": kid, "keys": [{"kid", "privateJwk"}]}: ES256 keys that sign session access tokens. */
  sessionSigningKeys: "session-signing-keys",
  /** {"current": kid, "keys": {kid: base64 32 bytes}}: AES-256-GCM keys for refresh tokens at rest. */
  tokenEncryptionKeys: "token-encryption-keys",
  /** The Google OAuth client's secret. */
  oauthClientSecret: "oauth-client-secret",
} as const;
