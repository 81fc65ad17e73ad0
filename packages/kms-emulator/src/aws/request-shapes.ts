/**
 * The request members of every operation the engine implements, from the AWS KMS model
 * (`kms/2014-11-01`, as shipped in `@aws-sdk/client-kms`; `test/request-shapes.test.ts` checks the
 * names against it). AWS JSON 1.1 services ignore members a shape does not name; the engine drops
 * them before an operation, its audit event or its store ever sees them.
 */
export type MemberShape =
  | 'string'
  | 'number'
  | 'boolean'
  | 'blob'
  | 'stringList'
  | 'stringMap'
  | { readonly struct: StructureShape }
  | { readonly listOf: StructureShape };
export type StructureShape = Readonly<Record<string, MemberShape>>;

const S = 'string';
const N = 'number';
const B = 'boolean';
const BLOB = 'blob';
const LIST = 'stringList';
const MAP = 'stringMap';
const TAGS: MemberShape = { listOf: { TagKey: S, TagValue: S } };
// AttestationDocument is a blob in the model; it stays base64 text here since Recipient is unsupported.
const RECIPIENT: MemberShape = { struct: { KeyEncryptionAlgorithm: S, AttestationDocument: S } };
const GRANT_CONSTRAINTS: MemberShape = {
  struct: { EncryptionContextSubset: MAP, EncryptionContextEquals: MAP, SourceArn: S },
};

export const REQUEST_SHAPES: Readonly<Record<string, StructureShape>> = {
  CancelKeyDeletion: { KeyId: S },
  CreateAlias: { AliasName: S, TargetKeyId: S },
  CreateGrant: {
    KeyId: S,
    Operations: LIST,
    GranteePrincipal: S,
    RetiringPrincipal: S,
    Constraints: GRANT_CONSTRAINTS,
    GrantTokens: LIST,
    Name: S,
    DryRun: B,
    GranteeServicePrincipal: S,
    RetiringServicePrincipal: S,
  },
  CreateKey: {
    Policy: S,
    Description: S,
    KeyUsage: S,
    CustomerMasterKeySpec: S,
    KeySpec: S,
    Origin: S,
    CustomKeyStoreId: S,
    BypassPolicyLockoutSafetyCheck: B,
    Tags: TAGS,
    MultiRegion: B,
    XksKeyId: S,
  },
  Decrypt: {
    CiphertextBlob: BLOB,
    EncryptionContext: MAP,
    GrantTokens: LIST,
    KeyId: S,
    EncryptionAlgorithm: S,
    Recipient: RECIPIENT,
    DryRun: B,
    DryRunModifiers: LIST,
  },
  DeleteAlias: { AliasName: S },
  DeleteImportedKeyMaterial: { KeyId: S, KeyMaterialId: S },
  DeriveSharedSecret: {
    KeyId: S,
    KeyAgreementAlgorithm: S,
    PublicKey: BLOB,
    GrantTokens: LIST,
    DryRun: B,
    Recipient: RECIPIENT,
  },
  DescribeKey: { KeyId: S, GrantTokens: LIST },
  DisableKey: { KeyId: S },
  DisableKeyRotation: { KeyId: S },
  EnableKey: { KeyId: S },
  EnableKeyRotation: { KeyId: S, RotationPeriodInDays: N },
  Encrypt: {
    KeyId: S,
    Plaintext: BLOB,
    EncryptionContext: MAP,
    GrantTokens: LIST,
    EncryptionAlgorithm: S,
    DryRun: B,
  },
  GenerateDataKey: {
    KeyId: S,
    EncryptionContext: MAP,
    NumberOfBytes: N,
    KeySpec: S,
    GrantTokens: LIST,
    Recipient: RECIPIENT,
    DryRun: B,
  },
  GenerateDataKeyPair: {
    KeyId: S,
    KeyPairSpec: S,
    EncryptionContext: MAP,
    GrantTokens: LIST,
    Recipient: RECIPIENT,
    DryRun: B,
  },
  GenerateDataKeyPairWithoutPlaintext: {
    KeyId: S,
    KeyPairSpec: S,
    EncryptionContext: MAP,
    GrantTokens: LIST,
    DryRun: B,
  },
  GenerateDataKeyWithoutPlaintext: {
    KeyId: S,
    EncryptionContext: MAP,
    KeySpec: S,
    NumberOfBytes: N,
    GrantTokens: LIST,
    DryRun: B,
  },
  GenerateMac: { Message: BLOB, KeyId: S, MacAlgorithm: S, GrantTokens: LIST, DryRun: B },
  GenerateRandom: { NumberOfBytes: N, CustomKeyStoreId: S, Recipient: RECIPIENT },
  GetKeyPolicy: { KeyId: S, PolicyName: S },
  GetKeyRotationStatus: { KeyId: S },
  GetParametersForImport: { KeyId: S, WrappingAlgorithm: S, WrappingKeySpec: S },
  GetPublicKey: { KeyId: S, GrantTokens: LIST },
  ImportKeyMaterial: {
    KeyId: S,
    ImportToken: BLOB,
    EncryptedKeyMaterial: BLOB,
    ValidTo: N,
    ExpirationModel: S,
    ImportType: S,
    KeyMaterialDescription: S,
    KeyMaterialId: S,
  },
  ListAliases: { KeyId: S, Limit: N, Marker: S },
  ListGrants: { KeyId: S, Limit: N, Marker: S, GrantId: S, GranteePrincipal: S, GranteeServicePrincipal: S },
  ListKeyPolicies: { KeyId: S, Limit: N, Marker: S },
  ListKeyRotations: { KeyId: S, IncludeKeyMaterial: S, Limit: N, Marker: S },
  ListKeys: { Limit: N, Marker: S },
  ListResourceTags: { KeyId: S, Limit: N, Marker: S },
  ListRetirableGrants: { Limit: N, Marker: S, RetiringPrincipal: S, RetiringServicePrincipal: S },
  PutKeyPolicy: { KeyId: S, Policy: S, PolicyName: S, BypassPolicyLockoutSafetyCheck: B },
  ReEncrypt: {
    DestinationKeyId: S,
    CiphertextBlob: BLOB,
    SourceEncryptionContext: MAP,
    SourceKeyId: S,
    DestinationEncryptionContext: MAP,
    SourceEncryptionAlgorithm: S,
    DestinationEncryptionAlgorithm: S,
    GrantTokens: LIST,
    DryRun: B,
    DryRunModifiers: LIST,
  },
  ReplicateKey: {
    KeyId: S,
    ReplicaRegion: S,
    Policy: S,
    BypassPolicyLockoutSafetyCheck: B,
    Description: S,
    Tags: TAGS,
  },
  RetireGrant: { GrantToken: S, KeyId: S, GrantId: S, DryRun: B },
  RevokeGrant: { KeyId: S, GrantId: S, DryRun: B },
  RotateKeyOnDemand: { KeyId: S },
  ScheduleKeyDeletion: { KeyId: S, PendingWindowInDays: N },
  Sign: { KeyId: S, Message: BLOB, SigningAlgorithm: S, MessageType: S, GrantTokens: LIST, DryRun: B },
  TagResource: { KeyId: S, Tags: TAGS },
  UntagResource: { KeyId: S, TagKeys: LIST },
  UpdateAlias: { AliasName: S, TargetKeyId: S },
  UpdateKeyDescription: { KeyId: S, Description: S },
  UpdatePrimaryRegion: { KeyId: S, PrimaryRegion: S },
  Verify: {
    KeyId: S,
    Message: BLOB,
    Signature: BLOB,
    SigningAlgorithm: S,
    MessageType: S,
    GrantTokens: LIST,
    DryRun: B,
  },
  VerifyMac: { Message: BLOB, KeyId: S, MacAlgorithm: S, Mac: BLOB, GrantTokens: LIST, DryRun: B },
};
