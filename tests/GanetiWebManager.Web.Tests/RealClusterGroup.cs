namespace GanetiWebManager.Web.Tests;

/// <summary>
/// Test classes that change the shared real Ganeti sandbox run one after another: a test asserting that an
/// unchanged cluster writes nothing must not see another test's instances come and go.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RealClusterGroup
{
    public const string Name = "real Ganeti sandbox";
}
