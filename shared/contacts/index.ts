// The contacts capability's entry: what other capabilities may ask of it. Everything else is internal.
export { type ContactEmailsQuery, contactEmailsQuery } from "./contact-queries";
export { orgDefaultRegion } from "./org-region";
export { isRegion, toE164 } from "./phone-rules";
