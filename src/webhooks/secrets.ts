/**
 * Webhook signing secrets (docs/api.md §10): `whsec_` and the base64 of 32 random bytes, shown once.
 * The server signs every delivery with them, so it must be able to read them back: they are
 * stored sealed with AES-256-GCM under a key that is not in the database (`WEBHOOK_SECRET_KEY`,
 * or a key file made once in the data folder), so that a dump of the database does not reveal
 * them. A hash, as for API keys, could verify a secret but never sign with it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export class SecretBox {
  private loaded: Buffer | undefined;

  /** The key, or where to get it the first time it is needed (a process that never seals makes no key file). */
  constructor(private readonly source: Buffer | (() => Buffer)) {
    if (Buffer.isBuffer(source) && source.length !== 32) throw new Error('the webhook secret key must be 32 bytes');
  }

  private get key(): Buffer {
    this.loaded ??= Buffer.isBuffer(this.source) ? this.source : this.source();
    return this.loaded;
  }

  /** A random key, for a process that never needs to read a secret sealed by another. */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  /** `v1.` then base64 of IV (12 bytes), tag (16 bytes) and ciphertext. */
  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return `v1.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64')}`;
  }

  open(sealed: string): string {
    const bytes = Buffer.from(sealed.slice(3), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/**
 * The key from `WEBHOOK_SECRET_KEY` (base64 of 32 bytes), else from `webhook-secret.key` in the
 * data folder, made there (readable by this user only) the first time. Every process sharing a
 * database must use the same key.
 */
export function loadSecretBox(configured: string | undefined, dataDir: string): SecretBox {
  if (configured) {
    const key = Buffer.from(configured, 'base64');
    if (key.length !== 32)
      throw new Error('WEBHOOK_SECRET_KEY must be the base64 of 32 bytes (e.g. `openssl rand -base64 32`)');
    return new SecretBox(key);
  }
  return new SecretBox(() => keyFile(dataDir));
}

function keyFile(dataDir: string): Buffer {
  const file = path.join(dataDir, 'webhook-secret.key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (error) {
      // Another process made it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold the base64 of 32 bytes`);
  return key;
}
