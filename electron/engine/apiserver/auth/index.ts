/** Authentication, authorization, node restriction and the review APIs of the API server. */
export {
  type Authenticator,
  type AuthenticatorDeps,
  bearerToken,
  createAuthenticator,
} from './authenticator';
export {
  type AuthorizerLookup,
  type Decision,
  type RequestAttributes,
  authorize,
  forbiddenError,
  forbiddenMessage,
} from './authorizer';
export {
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
} from './bootstrap-token';
export {
  type AdmissionOperation,
  type NodeAdmissionAttributes,
  type NodeRestrictionLookup,
  admitNodeRequest,
} from './node-restriction';
export { selfSubjectAccessReview, selfSubjectReview, subjectAccessReview, tokenReview } from './reviews';
export { DEFAULT_ISSUER } from './service-account-token';
export {
  type BootstrapToken,
  type TokenIssuerDeps,
  bootstrapTokenSecret,
  issueServiceAccountToken,
  newBootstrapToken,
} from './tokens';
export { AuthError, type UserInfo } from './user';
