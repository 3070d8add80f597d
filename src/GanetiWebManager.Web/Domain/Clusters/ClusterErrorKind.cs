namespace GanetiWebManager.Web.Domain.Clusters;

/// <summary>Why talking to a cluster failed; decides the message shown and whether retrying can help.</summary>
public enum ClusterErrorKind
{
    Unreachable,
    Timeout,
    AuthenticationFailed,
    Forbidden,
    CertificateMismatch,
    MalformedAnswer,
    ServerError,
    Other,
}
