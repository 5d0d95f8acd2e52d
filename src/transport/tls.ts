/**
 * HTTPS material. `--https` without a certificate of the user's own makes (once) a local certificate
 * authority in the data folder and a server certificate it signs for localhost, 127.0.0.1, ::1 and
 * the listening host; clients trust the CA file (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, curl --cacert).
 * Keys come from Node's crypto; node-forge builds and signs the X.509 certificates.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type forge from 'node-forge';

/**
 * node-forge, loaded on its first use: only `--https` with the local CA needs it, and loaded at start
 * it costs every server about 2 MB of heap and 12 MB of resident memory (measured with Node 20).
 */
let forgeModule: typeof forge | undefined;
const forgeLib = (): typeof forge => (forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof forge);

export interface TlsMaterial {
  key: string;
  cert: string;
  /** the CA certificate file clients should trust (only for the local CA) */
  caFile?: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

function rsaKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function serial(): string {
  // A positive serial number: clear the top bit.
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

function newCert(
  subjectCN: string,
  keyPem: string,
  issuer: { cert?: forge.pki.Certificate; keyPem: string },
  years: number,
  extensions: object[],
): forge.pki.Certificate {
  const key = forgeLib().pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forgeLib().pki.createCertificate();
  cert.publicKey = forgeLib().pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + years * YEAR_MS);
  cert.setSubject([{ name: 'commonName', value: subjectCN }, { name: 'organizationName', value: 'scrumd' }]);
  cert.setIssuer(issuer.cert ? issuer.cert.subject.attributes : cert.subject.attributes);
  cert.setExtensions(extensions);
  cert.sign(forgeLib().pki.privateKeyFromPem(issuer.keyPem), forgeLib().md.sha256.create());
  return cert;
}

function altNames(hosts: string[]): object[] {
  return [...new Set(hosts)].map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
}

/** Whether a PEM certificate names this host and is valid for at least another day. */
function certCovers(certPem: string, hosts: string[]): boolean {
  try {
    const c = new X509Certificate(certPem);
    if (new Date(c.validTo).getTime() < Date.now() + 24 * 3600 * 1000) return false;
    return hosts.every((h) => (isIP(h) ? c.checkIP(h) !== undefined : c.checkHost(h) !== undefined));
  } catch {
    return false;
  }
}

/** The local CA and a server certificate in `dir` (created or renewed as needed). */
export function localCaMaterial(dir: string, host: string): TlsMaterial {
  mkdirSync(dir, { recursive: true });
  const caKeyFile = join(dir, 'ca-key.pem');
  const caFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'server-key.pem');
  const certFile = join(dir, 'server.pem');
  if (!existsSync(caKeyFile) || !existsSync(caFile)) {
    const caKey = rsaKeyPem();
    const ca = newCert('scrumd local CA', caKey, { keyPem: caKey }, 10, [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    writeFileSync(caKeyFile, caKey, { mode: 0o600 });
    writeFileSync(caFile, forgeLib().pki.certificateToPem(ca));
  }
  const hosts = ['localhost', '127.0.0.1', '::1', ...(host === '0.0.0.0' || host === '::' ? [] : [host])];
  if (!existsSync(certFile) || !existsSync(keyFile) || !certCovers(readFileSync(certFile, 'utf8'), hosts)) {
    const caKey = readFileSync(caKeyFile, 'utf8');
    const ca = forgeLib().pki.certificateFromPem(readFileSync(caFile, 'utf8'));
    const key = rsaKeyPem();
    const cert = newCert(host === '0.0.0.0' || host === '::' ? 'localhost' : host, key, { cert: ca, keyPem: caKey }, 2, [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: altNames(hosts) },
    ]);
    writeFileSync(keyFile, key, { mode: 0o600 });
    writeFileSync(certFile, forgeLib().pki.certificateToPem(cert));
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), caFile };
}

export function ownMaterial(certFile: string, keyFile: string): TlsMaterial {
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
