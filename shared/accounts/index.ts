// The accounts capability's entry: a person's phone-system account in an org (orgs/{org}/users/{user}),
// which sign-in (identity) creates or finds and provisioning (directory) creates, updates and removes.
// Other capabilities import only this file.
export * from "./user-repository";
