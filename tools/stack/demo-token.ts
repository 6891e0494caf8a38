// `npm run demo:token -- <email>`: signs a demo user in on the running local stack (`npm start`) through
// the real routes and prints an access token, for curl: curl -H "authorization: Bearer $TOKEN" …
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { samlSignIn } from "./saml-sign-in";
import { DEMO_APP_ORIGIN, type DemoSummary, LOCAL_DIR } from "./stack";

const email = process.argv[2];
if (!email || email.startsWith("-")) {
  console.error("usage: npm run demo:token -- <email of a demo user, e.g. amelia.hughes@northwind.example>");
  process.exit(2);
}
const stackFile = join(process.env.SWITCHBOARD_LOCAL_DIR || LOCAL_DIR, "stack.json");
const stack = JSON.parse(await readFile(stackFile, "utf8").catch(() => "null")) as {
  services: Record<string, string>;
  demo?: DemoSummary;
} | null;
if (!stack?.demo) {
  console.error(
    `No local stack with its demo organisation is running (see ${stackFile}): start it with npm start.`,
  );
  process.exit(1);
}
try {
  const session = await samlSignIn(
    {
      authUrl: stack.services.auth ?? "",
      apiUrl: stack.services.api ?? "",
      orgId: stack.demo.orgId,
      returnTo: `${DEMO_APP_ORIGIN}/`,
    },
    email,
  );
  console.log(session.accessToken);
} catch (error) {
  console.error(`Sign-in failed for ${email}: ${(error as Error).message}`);
  process.exit(1);
}
