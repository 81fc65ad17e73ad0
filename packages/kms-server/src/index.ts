export {
  type AccessKey,
  credentialAccessKeyId,
  credentialScopeRegion,
  type SignedRequest,
  type SigV4Result,
  verifySigV4,
} from './auth/sigv4.js';
