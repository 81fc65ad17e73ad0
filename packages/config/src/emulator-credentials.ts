/** Credentials the emulator accepts when SigV4 verification is off; never real AWS credentials. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'ENVELOPEEMULATOR', secretAccessKey: 'envelope-emulator' };
