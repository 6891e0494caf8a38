import { SAML } from "@node-saml/node-saml";
import { KeyStore } from "./keys";
import { buildResponse, genuineFields } from "./xml";
const ks = new KeyStore(() => new Date());
const t0 = Date.now();
const cred = ks.signing("C1");
console.log("keygen ms", Date.now() - t0);
const f = genuineFields({ idpId: "C1", email: "a@corp.example", acsUrl: "https://sp.example/acs", audience: "https://sp.example", now: new Date() });
for (const signResponse of [false, true]) {
  const xml = buildResponse(f, { assertionKey: cred, responseKey: signResponse ? cred : undefined });
  if (signResponse) console.log(xml);
  const saml = new SAML({ idpCert: cred.certificatePem, issuer: "https://sp.example", callbackUrl: "https://sp.example/acs", wantAuthnResponseSigned: signResponse, audience: "https://sp.example" });
  const r = await saml.validatePostResponseAsync({ SAMLResponse: Buffer.from(xml).toString("base64") });
  console.log(signResponse, r.profile?.nameID);
}
