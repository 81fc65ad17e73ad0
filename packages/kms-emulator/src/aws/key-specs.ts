/** KMS key specs, which usages each allows and the algorithms each supports (AWS "Key spec reference"). */
export type KeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'RSA_2048'
  | 'RSA_3072'
  | 'RSA_4096'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'ECC_NIST_P521'
  | 'HMAC_224'
  | 'HMAC_256'
  | 'HMAC_384'
  | 'HMAC_512';

export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';

export interface KeySpecInfo {
  family: 'symmetric' | 'rsa' | 'ecc' | 'hmac';
  usages: readonly KeyUsage[];
  defaultUsage?: KeyUsage;
  /** RSA modulus bits, HMAC key bytes. */
  size?: number;
  namedCurve?: string;
}

export const KEY_SPECS: Readonly<Record<KeySpec, KeySpecInfo>> = {
  SYMMETRIC_DEFAULT: { family: 'symmetric', usages: ['ENCRYPT_DECRYPT'], defaultUsage: 'ENCRYPT_DECRYPT' },
  RSA_2048: { family: 'rsa', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], size: 2048 },
  RSA_3072: { family: 'rsa', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], size: 3072 },
  RSA_4096: { family: 'rsa', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'], size: 4096 },
  ECC_NIST_P256: {
    family: 'ecc',
    usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    defaultUsage: 'SIGN_VERIFY',
    namedCurve: 'P-256',
  },
  ECC_NIST_P384: {
    family: 'ecc',
    usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    defaultUsage: 'SIGN_VERIFY',
    namedCurve: 'P-384',
  },
  ECC_NIST_P521: {
    family: 'ecc',
    usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
    defaultUsage: 'SIGN_VERIFY',
    namedCurve: 'P-521',
  },
  HMAC_224: {
    family: 'hmac',
    usages: ['GENERATE_VERIFY_MAC'],
    defaultUsage: 'GENERATE_VERIFY_MAC',
    size: 28,
  },
  HMAC_256: {
    family: 'hmac',
    usages: ['GENERATE_VERIFY_MAC'],
    defaultUsage: 'GENERATE_VERIFY_MAC',
    size: 32,
  },
  HMAC_384: {
    family: 'hmac',
    usages: ['GENERATE_VERIFY_MAC'],
    defaultUsage: 'GENERATE_VERIFY_MAC',
    size: 48,
  },
  HMAC_512: {
    family: 'hmac',
    usages: ['GENERATE_VERIFY_MAC'],
    defaultUsage: 'GENERATE_VERIFY_MAC',
    size: 64,
  },
};

export const KEY_SPEC_NAMES = Object.keys(KEY_SPECS) as KeySpec[];
export const KEY_USAGES: readonly KeyUsage[] = [
  'ENCRYPT_DECRYPT',
  'SIGN_VERIFY',
  'GENERATE_VERIFY_MAC',
  'KEY_AGREEMENT',
];

/** ECC keys with usage KEY_AGREEMENT allow ECDH (DeriveSharedSecret). */
export function keyAgreementAlgorithmsFor(usage: KeyUsage): ['ECDH'] | undefined {
  return usage === 'KEY_AGREEMENT' ? ['ECDH'] : undefined;
}

export const SIGNING_ALGORITHMS = {
  RSASSA_PSS_SHA_256: { hash: 'sha256', padding: 'pss', family: 'rsa' },
  RSASSA_PSS_SHA_384: { hash: 'sha384', padding: 'pss', family: 'rsa' },
  RSASSA_PSS_SHA_512: { hash: 'sha512', padding: 'pss', family: 'rsa' },
  RSASSA_PKCS1_V1_5_SHA_256: { hash: 'sha256', padding: 'pkcs1', family: 'rsa' },
  RSASSA_PKCS1_V1_5_SHA_384: { hash: 'sha384', padding: 'pkcs1', family: 'rsa' },
  RSASSA_PKCS1_V1_5_SHA_512: { hash: 'sha512', padding: 'pkcs1', family: 'rsa' },
  ECDSA_SHA_256: { hash: 'sha256', padding: 'ecdsa', family: 'ecc' },
  ECDSA_SHA_384: { hash: 'sha384', padding: 'ecdsa', family: 'ecc' },
  ECDSA_SHA_512: { hash: 'sha512', padding: 'ecdsa', family: 'ecc' },
} as const;
export type SigningAlgorithm = keyof typeof SIGNING_ALGORITHMS;

export const MAC_ALGORITHMS = {
  HMAC_SHA_224: 'sha224',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
} as const;
export type MacAlgorithm = keyof typeof MAC_ALGORITHMS;

export const RSA_ENCRYPTION_ALGORITHMS = { RSAES_OAEP_SHA_1: 'sha1', RSAES_OAEP_SHA_256: 'sha256' } as const;
export type EncryptionAlgorithm = 'SYMMETRIC_DEFAULT' | keyof typeof RSA_ENCRYPTION_ALGORITHMS;
export const ENCRYPTION_ALGORITHMS: readonly EncryptionAlgorithm[] = [
  'SYMMETRIC_DEFAULT',
  'RSAES_OAEP_SHA_1',
  'RSAES_OAEP_SHA_256',
];

export function encryptionAlgorithmsFor(spec: KeySpec, usage: KeyUsage): EncryptionAlgorithm[] | undefined {
  if (usage !== 'ENCRYPT_DECRYPT') return undefined;
  return spec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
}

export function signingAlgorithmsFor(spec: KeySpec, usage: KeyUsage): SigningAlgorithm[] | undefined {
  if (usage !== 'SIGN_VERIFY') return undefined;
  const family = KEY_SPECS[spec].family;
  if (family === 'rsa') {
    return (Object.keys(SIGNING_ALGORITHMS) as SigningAlgorithm[]).filter((a) => a.startsWith('RSASSA'));
  }
  // AWS pairs each curve with one hash.
  if (spec === 'ECC_NIST_P256') return ['ECDSA_SHA_256'];
  if (spec === 'ECC_NIST_P384') return ['ECDSA_SHA_384'];
  return ['ECDSA_SHA_512'];
}

export function macAlgorithmsFor(spec: KeySpec): MacAlgorithm[] | undefined {
  const size = KEY_SPECS[spec].family === 'hmac' ? spec.slice(5) : undefined;
  return size ? [`HMAC_SHA_${size}` as MacAlgorithm] : undefined;
}

/** Data key pair specs for GenerateDataKeyPair. */
export const DATA_KEY_PAIR_SPECS = [
  'RSA_2048',
  'RSA_3072',
  'RSA_4096',
  'ECC_NIST_P256',
  'ECC_NIST_P384',
  'ECC_NIST_P521',
  'ECC_SECG_P256K1',
] as const;
export type DataKeyPairSpec = (typeof DATA_KEY_PAIR_SPECS)[number];
