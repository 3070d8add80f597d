using System.Globalization;

namespace GanetiWebManager.FakeRapi.Model;

/// <summary>
/// Deterministic generation of the nodes, groups, networks and instances of a fake cluster. Each generated instance
/// draws from a random source seeded by (cluster seed, index), so instance N looks the same whatever happened before it
/// was added. The mix imitates a production cluster: mostly kvm and drbd, some Xen, plain, file and diskless, a few
/// stopped, broken or offline instances, ownership tags on about a third.
/// </summary>
public sealed partial class FakeCluster
{
    private static readonly long[] DiskSizes = [10240, 20480, 30720, 51200, 102400, 204800];
    private static readonly long[] Memories = [512, 1024, 2048, 4096, 8192];
    private static readonly int[] Vcpus = [1, 2, 4, 8];
    private static readonly string[] Environments = ["env:prod", "env:test", "env:dev"];
    private static readonly string[] Roles = ["role:web", "role:db", "role:cache", "role:batch"];

    private void Generate()
    {
        var options = Options;
        for (var g = 0; g < options.Groups; g++)
        {
            _groups.Add(new FakeGroup
            {
                Uuid = NewUuid(),
                Name = g == 0 ? "default" : $"group{g + 1}",
                CTime = g == 0 ? 0 : CTime + g,
                MTime = CTime + 1,
            });
        }

        var drbd = options.EnabledDiskTemplates.Contains("drbd");
        // Nodes sized for their share of the generated instances (about 2.7 GiB of memory and 140 GiB of disk each,
        // DRBD copies included), so that capacity figures look like a real, well-used cluster.
        var perNode = (options.Instances + options.Nodes - 1) / options.Nodes;
        var memory = Math.Max(131072L, (perNode * 3400L + 65535) / 65536 * 65536);
        var disk = Math.Max(2_000_000L, perNode * 200_000L);
        for (var n = 1; n <= options.Nodes; n++)
        {
            var ctime = CTime + (n * 3.25);
            _nodes.Add(new FakeNode
            {
                Uuid = NewUuid(),
                Name = $"node{n}.{options.Domain}",
                GroupUuid = _groups[(n - 1) * options.Groups / options.Nodes].Uuid,
                PrimaryIp = Address(10, 200, n),
                SecondaryIp = drbd ? Address(10, 201, n) : Address(10, 200, n),
                MasterCandidate = n <= options.CandidatePoolSize,
                MemoryTotal = memory + (n % 3 * 32768),
                MemoryNode = 1024 + (n * 37 % 512),
                DiskTotal = disk + (n % 4 * 250_000),
                CpuTotal = 32,
                CpuNodeOs = 1,
                CpuNodes = 2,
                CpuSockets = 2,
                CTime = ctime,
                MTime = ctime,
                BootId = NewUuid(),
            });
        }

        Master = _nodes[0].Name;

        for (var k = 1; k <= options.Networks; k++)
        {
            var network = new FakeNetwork
            {
                Uuid = NewUuid(),
                Name = $"net{k}",
                Network = $"10.{100 + k}.0.0/16",
                Gateway = $"10.{100 + k}.0.1",
                CTime = CTime + 100 + k,
                MTime = CTime + 100 + k,
            };
            network.UsedAddresses.UnionWith([$"10.{100 + k}.0.0", $"10.{100 + k}.0.1", $"10.{100 + k}.255.255"]);
            foreach (var group in _groups)
            {
                network.Groups.Add((group.Name, "bridged", Defaults.DefaultNicLink, ""));
            }

            _networks.Add(network);
        }

        for (var i = 0; i < options.Instances; i++)
        {
            AddGeneratedInstance();
        }
    }

    private FakeInstance AddGeneratedInstance()
    {
        string name;
        int index;
        do
        {
            index = _nextGeneratedIndex++;
            name = $"vm{index:D5}.{Options.Domain}";
        }
        while (_instances.ContainsKey(name));

        var random = new Random(unchecked((Options.Seed * 1_000_003) + index));
        var hypervisor = Weighted(random, Options.EnabledHypervisors, h => h switch
        {
            "kvm" => 55,
            "xen-pvm" => 15,
            "xen-hvm" => 10,
            "fake" => 20,
            _ => 5,
        });
        var group = _groups[random.Next(_groups.Count)];
        var groupNodes = _nodes.Where(n => n.GroupUuid == group.Uuid && n.VmCapable).ToList();
        var template = Weighted(random, Options.EnabledDiskTemplates.Where(t => t != "drbd" || groupNodes.Count > 1).ToList(), t => t switch
        {
            "drbd" => 40,
            "plain" => 25,
            "file" => 8,
            "sharedfile" => 12,
            "diskless" => 15,
            _ => 5,
        });
        var primary = groupNodes[random.Next(groupNodes.Count)];
        var ctime = Math.Round(CTime + 86400 + (random.NextDouble() * 390 * 86400), 6);
        var instance = new FakeInstance
        {
            Uuid = GeneratedUuid(random),
            Name = name,
            Os = Options.OperatingSystems[random.Next(Options.OperatingSystems.Count)],
            Hypervisor = hypervisor,
            PrimaryNode = primary.Name,
            DiskTemplate = template,
            CTime = ctime,
            MTime = Math.Round(ctime + (random.NextDouble() * 200 * 86400), 6),
            SerialNo = 2 + random.Next(26),
        };
        if (template == "drbd")
        {
            var others = groupNodes.Where(n => n != primary).ToList();
            instance.SecondaryNodes.Add(others[random.Next(others.Count)].Name);
        }

        if (template != "diskless")
        {
            var disks = 1 + (random.NextDouble() < 0.3 ? 1 : 0) + (random.NextDouble() < 0.1 ? 1 : 0);
            for (var d = 0; d < disks; d++)
            {
                instance.Disks.Add(new FakeDisk
                {
                    Uuid = GeneratedUuid(random),
                    Size = DiskSizes[random.Next(DiskSizes.Length)],
                    Name = d == 1 && random.NextDouble() < 0.5 ? "data" : null,
                });
            }
        }

        var nics = random.NextDouble() < 0.8 ? 1 : 2;
        for (var k = 0; k < nics; k++)
        {
            var nic = new FakeNic
            {
                Uuid = GeneratedUuid(random),
                Mac = string.Create(CultureInfo.InvariantCulture, $"aa:00:00:{random.Next(256):x2}:{random.Next(256):x2}:{random.Next(256):x2}"),
                Link = Defaults.DefaultNicLink,
            };
            if (_networks.Count > 0 && random.NextDouble() < 0.5)
            {
                var network = _networks[random.Next(_networks.Count)];
                nic.NetworkUuid = network.Uuid;
                nic.Ip = AllocateAddress(network, random);
            }

            instance.Nics.Add(nic);
        }

        if (random.NextDouble() < 0.8)
        {
            var memory = Memories[random.Next(Memories.Length)];
            instance.CustomBeParams["minmem"] = memory;
            instance.CustomBeParams["maxmem"] = memory;
            instance.CustomBeParams["vcpus"] = Vcpus[random.Next(Vcpus.Length)];
        }

        if (hypervisor == "kvm" && random.NextDouble() < 0.3)
        {
            instance.CustomHvParams["boot_order"] = "cdrom";
        }

        if (hypervisor is "kvm" or "xen-hvm")
        {
            instance.NetworkPort = NextNetworkPort();
        }

        var state = random.NextDouble();
        if (state < 0.82)
        {
            (instance.AdminState, instance.Running, instance.DisksActive) = ("up", true, true);
        }
        else if (state < 0.92)
        {
            (instance.AdminState, instance.Running, instance.DisksActive) = ("down", false, false);
        }
        else if (state < 0.97)
        {
            (instance.AdminState, instance.Running, instance.DisksActive) = ("up", false, true);
        }
        else
        {
            (instance.AdminState, instance.Running, instance.DisksActive) = ("offline", false, false);
        }

        var owner = random.NextDouble();
        if (owner < 0.35)
        {
            instance.Tags.Add($"gwm:owner:user:user{random.Next(40)}");
        }
        else if (owner < 0.45)
        {
            instance.Tags.Add($"gwm:owner:group:group{random.Next(8)}");
        }

        if (random.NextDouble() < 0.4)
        {
            instance.Tags.Add(Environments[random.Next(Environments.Length)]);
        }

        if (random.NextDouble() < 0.2)
        {
            instance.Tags.Add(Roles[random.Next(Roles.Length)]);
        }

        AddInstance(instance);
        return instance;
    }

    private static string Address(int a, int b, int n) =>
        string.Create(CultureInfo.InvariantCulture, $"{a}.{b}.{n / 250}.{(n % 250) + 1}");

    private static string AllocateAddress(FakeNetwork network, Random random)
    {
        var prefix = network.Network[..network.Network.IndexOf(".0.0/", StringComparison.Ordinal)];
        while (true)
        {
            var address = string.Create(CultureInfo.InvariantCulture, $"{prefix}.{random.Next(256)}.{1 + random.Next(254)}");
            if (network.UsedAddresses.Add(address))
            {
                return address;
            }
        }
    }

    private static string GeneratedUuid(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexString(bytes).ToLowerInvariant();
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    private static T Weighted<T>(Random random, IReadOnlyList<T> items, Func<T, int> weight)
    {
        var total = items.Sum(weight);
        var pick = random.Next(total);
        foreach (var item in items)
        {
            pick -= weight(item);
            if (pick < 0)
            {
                return item;
            }
        }

        return items[^1];
    }
}
