// Scope names and the aliases Google folds together ("email" is userinfo.email).

const G = "https://www.googleapis.com/auth/";

export const SCOPES = {
  openid: "openid",
  email: `${G}userinfo.email`,
  profile: `${G}userinfo.profile`,
  contacts: `${G}contacts`,
  contactsReadonly: `${G}contacts.readonly`,
  directoryReadonly: `${G}directory.readonly`,
  adminUser: `${G}admin.directory.user`,
  adminUserReadonly: `${G}admin.directory.user.readonly`,
  adminOrgunit: `${G}admin.directory.orgunit`,
  adminOrgunitReadonly: `${G}admin.directory.orgunit.readonly`,
  adminGroup: `${G}admin.directory.group`,
  adminGroupReadonly: `${G}admin.directory.group.readonly`,
  adminGroupMember: `${G}admin.directory.group.member`,
  adminGroupMemberReadonly: `${G}admin.directory.group.member.readonly`,
  adminDomain: `${G}admin.directory.domain`,
  adminDomainReadonly: `${G}admin.directory.domain.readonly`,
} as const;

const ALIASES: Record<string, string> = { email: SCOPES.email, profile: SCOPES.profile };

/** Splits a space-separated scope string, resolves aliases and removes duplicates. */
export function parseScopes(raw: string | undefined): string[] {
  if (!raw) return [];
  const out = new Set<string>();
  for (const s of raw.split(/[\s,]+/)) if (s) out.add(ALIASES[s] ?? s);
  return [...out];
}

/** Scopes that never make a Testing-mode refresh token expire. */
export const IDENTITY_SCOPES = new Set<string>([SCOPES.openid, SCOPES.email, SCOPES.profile]);

export const hasAnyScope = (granted: readonly string[], acceptable: readonly string[]) =>
  acceptable.some((s) => granted.includes(s));
