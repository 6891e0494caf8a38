// `npm run secrets -- init | rotate <secret> | check  --project <id> [--write]`
// init:   values for a new deployment's generated secrets (key rings with key ids, the telephony token).
// rotate: a new version of a key ring with a new current key, the old keys kept (docs/runbooks/rotate-keys.md).
// check:  reads every secret the manifest names and runs the code's own parser on it (no value is printed).
// Without --write, init and rotate print `gcloud secrets versions add` lines to run; with --write they add
// the versions with the Secret Manager client (Application Default Credentials). init never adds a version
// to a secret that already has one.
import { loadManifest } from "../../functions/manifest";
import { SECRETS, type SecretSpec, secretSpec } from "./secret-catalog";

const USAGE = "usage: npm run secrets -- init | rotate <secret> | check  --project <id> [--write]";

export interface SecretManagerClient {
  accessSecretVersion(request: {
    name: string;
  }): Promise<[{ payload?: { data?: Uint8Array | string | null } | null }, ...unknown[]]>;
  addSecretVersion(request: { parent: string; payload: { data: Buffer } }): Promise<unknown>;
}

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

/** The shell line that adds a version; the value goes through stdin, never the command line of gcloud. */
export const gcloudLine = (project: string, id: string, value: string) =>
  `printf '%s' ${quote(value)} | gcloud secrets versions add ${id} --project=${project} --data-file=-`;

async function latest(client: SecretManagerClient, project: string, id: string): Promise<string | undefined> {
  try {
    const [version] = await client.accessSecretVersion({
      name: `projects/${project}/secrets/${id}/versions/latest`,
    });
    const data = version.payload?.data;
    return data === undefined || data === null ? undefined : Buffer.from(data).toString("utf8");
  } catch (error) {
    if ((error as { code?: number }).code === 5) return undefined; // NOT_FOUND: no version yet
    throw error;
  }
}

export async function runSecrets(
  args: string[],
  options: {
    project: string;
    write: boolean;
    client: () => Promise<SecretManagerClient>;
    print: (line: string) => void;
  },
): Promise<number> {
  const { project, write, print } = options;
  const put = async (spec: SecretSpec, value: string) => {
    await spec.check(value); // never hand out a value the code would refuse
    if (!write) return print(gcloudLine(project, spec.id, value));
    await (await options.client()).addSecretVersion({
      parent: `projects/${project}/secrets/${spec.id}`,
      payload: { data: Buffer.from(value, "utf8") },
    });
    print(`added a version to ${spec.id}`);
  };
  const [command, name] = args;
  if (command === "init") {
    for (const spec of SECRETS) {
      if (!spec.generate) {
        print(`# ${spec.id}: add it yourself (${spec.source})`);
        continue;
      }
      if (write && (await latest(await options.client(), project, spec.id)) !== undefined) {
        print(`${spec.id} already has a version; left alone (rotate it instead)`);
        continue;
      }
      await put(spec, spec.generate());
    }
    return 0;
  }
  if (command === "rotate" && name) {
    const spec = secretSpec(name);
    if (!spec.rotate) throw new Error(`${name} is not a key ring; add its new value as in docs/secrets.md`);
    const current = await latest(await options.client(), project, spec.id);
    if (current === undefined) throw new Error(`${name} has no version yet: run init first`);
    await put(spec, spec.rotate(current));
    return 0;
  }
  if (command === "check") {
    const names = [...new Set(loadManifest().functions.flatMap((f) => f.secrets))].sort();
    let bad = 0;
    for (const id of names) {
      const value = await latest(await options.client(), project, id);
      const problem =
        value === undefined
          ? "no version"
          : await secretSpec(id)
              .check(value)
              .then(
                () => undefined,
                (e: Error) => e.message,
              );
      if (problem) bad++;
      print(`${problem ? "FAIL" : "ok  "} ${id}${problem ? `: ${problem}` : ""}`);
    }
    return bad ? 1 : 0;
  }
  throw new Error(USAGE);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const flag = args.indexOf("--project");
  const project = flag >= 0 ? args.splice(flag, 2)[1] : process.env.GOOGLE_CLOUD_PROJECT;
  const write = args.includes("--write");
  if (!project) {
    console.error(`No project: pass --project <id>.\n${USAGE}`);
    process.exit(2);
  }
  if (!write && args[0] !== "check")
    console.error("# These lines carry secret values: run them, do not save or share them.");
  runSecrets(
    args.filter((a) => a !== "--write"),
    {
      project,
      write,
      print: (line) => console.log(line),
      client: async () => {
        const { SecretManagerServiceClient } = await import("@google-cloud/secret-manager");
        return new SecretManagerServiceClient() as unknown as SecretManagerClient;
      },
    },
  ).then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
