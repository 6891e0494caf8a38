import { randomBytes, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { SamlIdpError } from "./access";

/** One signing key pair and its self-signed certificate, as Google generates per SAML IdP. */
export interface SigningCredential {
  privateKeyPem: string;
  certificatePem: string;
  /** The certificate's DER in base64, as it appears in ds:X509Certificate and in metadata. */
  certificateBase64: string;
  notBefore: Date;
  notAfter: Date;
}

/** Google issues SAML IdP certificates valid for 5 years. */
export const CERT_LIFETIME_YEARS = 5;
/** Google keeps at most two certificates per IdP (current + the one being rotated in). */
export const MAX_CERTS = 2;

/**
 * The subject Google uses on its SAML IdP certificates (the issuer is the same: self-signed).
 */
const GOOGLE_SUBJECT: forge.pki.CertificateField[] = [
  { name: "commonName", value: "Google" },
  { name: "organizationalUnitName", value: "Google For Work" },
  { name: "organizationName", value: "Google Inc." },
  { name: "localityName", value: "Mountain View" },
  { name: "stateOrProvinceName", value: "California" },
  { name: "countryName", value: "US" },
];

/**
 * Generates an RSA-2048 key and a self-signed X.509 certificate (SHA-256, 5 years) with node-forge.
 * node-forge uses Node's native key generation when available, so this takes milliseconds.
 */
export function generateCredential(now: Date, subject = GOOGLE_SUBJECT): SigningCredential {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  // Positive serial number (leading byte < 0x80).
  cert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERT_LIFETIME_YEARS);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes();
  return {
    privateKeyPem: forge.pki.privateKeyToPem(keys.privateKey),
    certificatePem: forge.pki.certificateToPem(cert),
    certificateBase64: forge.util.encode64(der),
    notBefore,
    notAfter,
  };
}

interface OrgKeys {
  /** Oldest first; at most MAX_CERTS. */
  certs: SigningCredential[];
  signing: SigningCredential;
}

/** In-memory per-IdP credentials, generated at first use. Never persisted. */
export class KeyStore {
  private readonly byIdp = new Map<string, OrgKeys>();

  constructor(private readonly now: () => Date) {}

  private entry(idpId: string): OrgKeys {
    let keys = this.byIdp.get(idpId);
    if (!keys) {
      const credential = generateCredential(this.now());
      keys = { certs: [credential], signing: credential };
      this.byIdp.set(idpId, keys);
    }
    return keys;
  }

  signing(idpId: string): SigningCredential {
    return this.entry(idpId).signing;
  }

  /** Every published certificate, oldest first. */
  all(idpId: string): readonly SigningCredential[] {
    return this.entry(idpId).certs;
  }

  /**
   * Adds a new certificate and makes it the signing one (Google's "Add certificate", then assigning
   * it to the app). Google keeps at most two: with two in place a third is refused until one is
   * deleted (support.google.com/a/answer/7394709 "Maintain SAML certificates"; goauthentik/authentik#12701).
   */
  rotate(idpId: string): SigningCredential {
    const keys = this.entry(idpId);
    if (keys.certs.length >= MAX_CERTS)
      throw new SamlIdpError(
        "certificate_limit_reached",
        409,
        `An IdP has at most ${MAX_CERTS} certificates: delete one before adding another.`,
      );
    const fresh = generateCredential(this.now());
    keys.certs = [...keys.certs, fresh];
    keys.signing = fresh;
    return fresh;
  }

  /**
   * Deletes a certificate by its SHA-256 fingerprint (as `X509Certificate.fingerprint256` prints it).
   * The one the app signs with cannot go: the app must be moved to the other certificate first.
   */
  delete(idpId: string, fingerprint256: string): void {
    const keys = this.entry(idpId);
    const wanted = fingerprint256.toUpperCase();
    const found = keys.certs.find((c) => fingerprintOf(c) === wanted);
    if (!found)
      throw new SamlIdpError(
        "unknown_certificate",
        404,
        `No certificate with fingerprint ${fingerprint256}.`,
      );
    if (found === keys.signing) {
      throw new SamlIdpError(
        "certificate_in_use",
        409,
        "The app signs with this certificate: assign the other certificate to the app before deleting it.",
      );
    }
    keys.certs = keys.certs.filter((c) => c !== found);
  }
}

export function fingerprintOf(credential: SigningCredential): string {
  return new X509Certificate(credential.certificatePem).fingerprint256;
}
