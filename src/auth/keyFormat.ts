/**
 * The API key format (docs/api.md §2): `sk_live_` + 36 random base62 characters + a 6-character base62
 * CRC32 of everything before it. The checksum lets a typo or a truncated key be refused without
 * touching the database, and lets secret scanners recognise a real key offline.
 */
import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const KEY_MARKER = 'sk_live_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 36;
const CHECKSUM_LENGTH = 6;
/** The first 12 random characters are the key's public, unique, indexed prefix. */
export const PREFIX_LENGTH = 12;
export const KEY_LENGTH = KEY_MARKER.length + RANDOM_LENGTH + CHECKSUM_LENGTH;

const KEY_PATTERN = new RegExp(`^${KEY_MARKER}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function checksum(body: string): string {
  let n = crc32(body);
  let digits = '';
  do {
    digits = ALPHABET[n % 62] + digits;
    n = Math.floor(n / 62);
  } while (n > 0);
  return digits.padStart(CHECKSUM_LENGTH, '0');
}

export interface GeneratedKey {
  /** The whole key: shown once, never stored. */
  key: string;
  prefix: string;
}

export function generateApiKey(): GeneratedKey {
  let random = '';
  // randomInt draws without modulo bias from the CSPRNG.
  for (let i = 0; i < RANDOM_LENGTH; i++) random += ALPHABET[randomInt(62)];
  return { key: formatApiKey(random), prefix: random.slice(0, PREFIX_LENGTH) };
}

/** The key made of 36 given base62 characters: the marker, them, and their checksum. */
export function formatApiKey(random: string): string {
  const body = KEY_MARKER + random;
  return body + checksum(body);
}

/** The key's public prefix when the text is a well-formed key with a valid checksum, else null. */
export function parseApiKey(text: string): string | null {
  if (text.length !== KEY_LENGTH || !KEY_PATTERN.test(text)) return null;
  const body = text.slice(0, -CHECKSUM_LENGTH);
  if (checksum(body) !== text.slice(-CHECKSUM_LENGTH)) return null;
  return text.slice(KEY_MARKER.length, KEY_MARKER.length + PREFIX_LENGTH);
}

/** How a key is shown in listings and logs: its marker and public prefix, never the rest. */
export function displayPrefix(prefix: string): string {
  return `${KEY_MARKER}${prefix}`;
}
