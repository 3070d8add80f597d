using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract.RealCluster;

// One class per suite so that xUnit runs the suites in parallel (each class is its own collection); the tests of
// one suite run one after another. A handful of concurrent requests stays far below RAPI's 20 clients.

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterReadContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiReadContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterErrorContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiErrorContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterFakeInstanceContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiFakeInstanceContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterKvmInstanceContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiKvmInstanceContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterInstanceLifecycleContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiInstanceLifecycleContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterFailingJobContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiFailingJobContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterProtocolContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiProtocolContractTests(target, output), IClassFixture<RealClusterTarget>;

// The query suite compares node fields with the node detail; the node suite tags nodes (which bumps their
// serial number). On one real cluster they must not run at the same time.
[Trait("Category", "Contract"), Trait("Target", "Real")]
[Collection(RealClusterNodeSuites.Name)]
public sealed class RealClusterQueryContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiQueryContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterJobContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiJobContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterInstanceOperationsContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiInstanceOperationsContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
[Collection(RealClusterNodeSuites.Name)]
public sealed class RealClusterNodeContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiNodeContractTests(target, output), IClassFixture<RealClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Real")]
public sealed class RealClusterTagContractTests(RealClusterTarget target, ITestOutputHelper output)
    : RapiTagContractTests(target, output), IClassFixture<RealClusterTarget>;

[CollectionDefinition(Name)]
public sealed class RealClusterNodeSuites
{
    public const string Name = "real cluster: suites that read or change nodes";
}
