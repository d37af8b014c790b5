import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  detectIoc,
  domainKey,
  normalizeBin,
  normalizeDomain,
  normalizeEmail,
  normalizeIocValue,
  refang,
} from '../src/core/normalize.js';

describe('domains', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['  mail.example.com ', 'mail.example.com'],
    ['Bücher.de', 'xn--bcher-kva.de'],
    ['xn--bcher-kva.de', 'xn--bcher-kva.de'],
    ['☃.net', 'xn--n3h.net'],
  ])('%j -> %j', (input, expected) => expect(normalizeDomain(input)).toBe(expected));

  it.each([
    '',
    '.',
    'localhost',
    'a..b.com',
    '-a.com',
    'a-.com',
    'exa mple.com',
    'ex_ample.com',
    '10.0.0.1',
    `${'a'.repeat(64)}.com`,
    `${'a.'.repeat(130)}com`,
    "x' or 1=1--.com",
    'example.com/x',
    'ex%41.com',
    'ex?a.com',
    'a.a//:',
    'ex\\a.com',
  ])('refuses %j', (input) => expect(normalizeDomain(input)).toBeNull());

  it('decides plain ASCII names exactly as the rules say, label by label', () => {
    // The rules written out: lower case, no trailing dot, at most 253 characters, two labels or
    // more of 1 to 63 letters, digits or inner hyphens, the last not all digits.
    const byRules = (input: string): string | null => {
      let text = input.trim().toLowerCase();
      if (text.endsWith('.')) text = text.slice(0, -1);
      const labels = text.split('.');
      const fine =
        text.length <= 253 &&
        labels.length >= 2 &&
        labels.every((label) => /^[a-z0-9-]{1,63}$/.test(label) && !label.startsWith('-') && !label.endsWith('-')) &&
        !/^\d+$/.test(labels.at(-1)!);
      return fine ? text : null;
    };
    const piece = fc.constantFrom(
      'a',
      'Z',
      '0',
      '7',
      '-',
      '.',
      'com',
      'EXAMPLE',
      '--',
      '..',
      'a'.repeat(63),
      '1'.repeat(64),
    );
    const name = fc.array(piece, { maxLength: 14 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(name, (input) => {
        fc.pre(!input.toLowerCase().includes('xn--'));
        expect(normalizeDomain(input)).toBe(byRules(input));
      }),
      { numRuns: 5000 },
    );
  });

  it('keys a domain so its subdomains follow it', () => {
    expect(domainKey('mail.example.com')).toBe('com.example.mail.');
    expect(domainKey('mail.example.com').startsWith(domainKey('example.com'))).toBe(true);
    expect(domainKey('notexample.com').startsWith(domainKey('example.com'))).toBe(false);
  });
});

describe('emails and BINs', () => {
  it.each([
    [' SOC@Example.COM ', 'soc@example.com'],
    ['a.b+tag@mail.example.com', 'a.b+tag@mail.example.com'],
    ['x@Bücher.de', 'x@xn--bcher-kva.de'],
  ])('email %j -> %j', (input, expected) => expect(normalizeEmail(input)).toBe(expected));

  it.each([
    'nobody',
    '@example.com',
    'a@b',
    'a b@example.com',
    '.a@example.com',
    'a..b@example.com',
    `${'a'.repeat(65)}@example.com`,
  ])('refuses email %j', (input) => expect(normalizeEmail(input)).toBeNull());

  it.each([
    ['411111', '411111'],
    ['4111 1122', '41111122'],
    ['4111-11', '411111'],
  ])('BIN %j -> %j', (input, expected) => expect(normalizeBin(input)).toBe(expected));

  it.each(['41111', '411111111', '41111a', '', '４１１１１１'])('refuses BIN %j', (input) =>
    expect(normalizeBin(input)).toBeNull(),
  );
});

describe('IOC values', () => {
  it('refangs the usual defanged forms', () => {
    expect(refang('hxxps[:]//evil[.]example(.)com/a')).toBe('https://evil.example.com/a');
    expect(refang('hXXp://evil[dot]com')).toBe('http://evil.com');
    expect(refang('bad[@]evil{.}com')).toBe('bad@evil.com');
    expect(refang('1.2.3[.]4')).toBe('1.2.3.4');
  });

  it.each([
    ['203.0.113.10', 'ipv4', '203.0.113.10'],
    ['203.0.113[.]10', 'ipv4', '203.0.113.10'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', 'ipv6', '2001:db8::1'],
    ['[2001:db8::1]', 'ipv6', '2001:db8::1'],
    ['44D88612FEA8A8F36DE82E1278ABB02F', 'md5', '44d88612fea8a8f36de82e1278abb02f'],
    ['3395856CE81F2B7382DEE72602F798B642F14140', 'sha1', '3395856ce81f2b7382dee72602f798b642f14140'],
    [
      '275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F',
      'sha256',
      '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
    ],
    ['hxxp://Evil[.]Example.com:80/Path?q=1', 'url', 'http://evil.example.com/Path?q=1'],
    ['Bad[@]Evil[.]com', 'email', 'bad@evil.com'],
    ['Evil(.)Example.com.', 'domain', 'evil.example.com'],
  ])('detects %j as %s %j', (input, type, value) => expect(detectIoc(input)).toEqual({ type, value }));

  it.each([
    '',
    'hello',
    '1.2.3',
    '01.2.3.4',
    '999.1.1.1',
    'fe80::1%eth0',
    'abc123',
    'javascript:alert(1)',
    'x'.repeat(3000),
  ])('does not recognise %j', (input) => expect(detectIoc(input)).toBeNull());

  it('detects by shape exactly what trying every type in turn would find', () => {
    // The order that settles overlaps: an IP is also digits and dots, a URL also holds a domain.
    const order = ['ipv4', 'ipv6', 'md5', 'sha1', 'sha256', 'url', 'email', 'domain'] as const;
    const firstMatch = (input: string) => {
      for (const type of order) {
        const value = normalizeIocValue(type, input);
        if (value !== null) return { type, value };
      }
      return null;
    };
    const piece = fc.constantFrom(
      'a',
      'F',
      '0',
      '9',
      '.',
      ':',
      '@',
      '/',
      '//',
      '://',
      '[.]',
      '[@]',
      'hxxp',
      'http',
      '-',
      '%',
      '[',
      ']',
      ' ',
      'xn--',
      'é',
      'ffff',
      '1.2.3.4',
      '::',
      'com',
    );
    const shaped = fc.oneof(
      fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')),
      fc.stringMatching(/^[0-9a-fA-F]{30,66}$/),
      fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((n) => n.join('.')),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(shaped, (input) => {
        expect(detectIoc(input)).toEqual(firstMatch(input));
      }),
      { numRuns: 5000 },
    );
  });

  it('checks a value against its declared type', () => {
    expect(normalizeIocValue('md5', 'A'.repeat(32))).toBe('a'.repeat(32));
    expect(normalizeIocValue('md5', 'a'.repeat(40))).toBeNull();
    expect(normalizeIocValue('ipv4', '2001:db8::1')).toBeNull();
  });
});
