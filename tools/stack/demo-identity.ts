// Makes the demo organisation sign-in ready in the local stack: its SAML settings from the simulator's
// IdP metadata, and a phone-system account for each directory user (what provisioning will do once the
// directory issue lands; until then the stack stands in for it).
import { readFile } from "node:fs/promises";
import { Firestore } from "@google-cloud/firestore";
import { firestoreUserRepository } from "../../shared/accounts/user-repository";
import { parseIdpMetadata } from "../../shared/identity/idp-metadata";
import { firestoreSsoConfigRepository } from "../../shared/identity/sso-config";

interface DemoOrg {
  id: string;
  idpId: string;
  users: Array<{
    email: string;
    givenName: string;
    familyName: string;
    isAdmin?: boolean;
    suspended?: boolean;
  }>;
}

export async function seedDemoIdentity(options: {
  projectId: string;
  demoFile: string;
  metadataXml(idpId: string): string;
}): Promise<{ orgId: string; users: number }> {
  const file = JSON.parse(await readFile(options.demoFile, "utf8")) as DemoOrg | { orgs: DemoOrg[] };
  const org = "orgs" in file ? file.orgs[0]! : file;
  const db = new Firestore({ projectId: options.projectId });
  try {
    const metadata = parseIdpMetadata(options.metadataXml(org.idpId));
    await firestoreSsoConfigRepository(db).save(org.id, {
      idpEntityId: metadata.entityId,
      ssoUrl: metadata.ssoUrl,
      certificates: metadata.certificates,
      allowIdpInitiated: true,
      jitProvisioning: false,
      updatedAt: new Date().toISOString(),
    });
    const users = firestoreUserRepository(db);
    let created = 0;
    for (const u of org.users) {
      if (await users.findByEmail(org.id, u.email)) continue;
      await users.create({
        id: u.email.split("@")[0]!.replace(/[^a-z0-9-]/gi, "-"),
        orgId: org.id,
        email: u.email,
        displayName: `${u.givenName} ${u.familyName}`,
        role: u.isAdmin ? "admin" : "user",
        status: u.suspended ? "suspended" : "active",
        licensed: true,
      });
      created++;
    }
    return { orgId: org.id, users: created };
  } finally {
    await db.terminate();
  }
}
