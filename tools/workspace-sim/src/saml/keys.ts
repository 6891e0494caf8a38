import { randomBytes } from "node:crypto";
import forge from "node-forge";

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
   * Adds a new certificate and makes it the signing one. Google refuses a third certificate; the
   * simulator instead drops the oldest non-signing one so repeated rotations keep working.
   */
  rotate(idpId: string): SigningCredential {
    const keys = this.entry(idpId);
    const fresh = generateCredential(this.now());
    keys.certs = [...keys.certs, fresh].slice(-MAX_CERTS);
    keys.signing = fresh;
    return fresh;
  }
}
