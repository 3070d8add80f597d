using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract.FakeCluster;

// The same suites as RealClusterContractTests, unchanged, against the fake RAPI server: one fake per suite class.

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterReadContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiReadContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterErrorContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiErrorContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterFakeInstanceContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiFakeInstanceContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterKvmInstanceContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiKvmInstanceContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterInstanceLifecycleContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiInstanceLifecycleContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterFailingJobContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiFailingJobContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterProtocolContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiProtocolContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterQueryContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiQueryContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterJobContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiJobContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterInstanceOperationsContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiInstanceOperationsContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterNodeContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiNodeContractTests(target, output), IClassFixture<FakeClusterTarget>;

[Trait("Category", "Contract"), Trait("Target", "Fake")]
public sealed class FakeClusterTagContractTests(FakeClusterTarget target, ITestOutputHelper output)
    : RapiTagContractTests(target, output), IClassFixture<FakeClusterTarget>;
