namespace GanetiWebManager.Web.Domain.Clusters;

/// <summary>
/// A cluster's console address mapping (<see cref="Cluster.ConsoleAddressMapping"/>): how the portal reaches a
/// node's VNC ports when the address Ganeti reports is not reachable from the portal (NAT, a management network).
/// One rule a line, <c>node-name = address</c> or <c>* = address</c> for every other node; blank lines and lines
/// starting with <c>#</c> are ignored. Node names match case-insensitively.
/// </summary>
public sealed class ConsoleAddressMapping
{
    public const string Wildcard = "*";

    private readonly Dictionary<string, string> _byNode;

    private ConsoleAddressMapping(Dictionary<string, string> byNode, string? fallback)
    {
        _byNode = byNode;
        Fallback = fallback;
    }

    public static ConsoleAddressMapping Empty { get; } = new(new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase), null);

    /// <summary>The address for nodes without a rule of their own (<c>* = ...</c>), if any.</summary>
    public string? Fallback { get; }

    public IReadOnlyDictionary<string, string> Nodes => _byNode;

    /// <summary>The address to use for <paramref name="nodeName"/>, or null to use the one Ganeti reports.</summary>
    public string? Resolve(string nodeName) => _byNode.GetValueOrDefault(nodeName) ?? Fallback;

    /// <summary>Parses the text; every problem is reported with its line number.</summary>
    public static ConsoleAddressMapping Parse(string? text, out IReadOnlyList<string> errors)
    {
        var problems = new List<string>();
        var byNode = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? fallback = null;
        var lines = (text ?? "").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var number = i + 1;
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0)
            {
                problems.Add($"Line {number}: write \"node-name = address\" or \"* = address\" (no '=' found).");
                continue;
            }

            var node = line[..equals].Trim();
            var address = NetworkNames.Normalize(line[(equals + 1)..]);
            if (node.Length == 0)
            {
                problems.Add($"Line {number}: the node name before '=' is missing (use * for every other node).");
                continue;
            }

            if (node != Wildcard && !NetworkNames.IsDnsHostname(NetworkNames.Normalize(node)))
            {
                problems.Add($"Line {number}: \"{node}\" is not a node name (letters, digits, '-' and '.'), nor *.");
                continue;
            }

            if (address.Length == 0)
            {
                problems.Add($"Line {number}: the address after '=' is missing.");
                continue;
            }

            if (!NetworkNames.IsHostOrAddress(address))
            {
                problems.Add($"Line {number}: \"{address}\" is not a host name or an IP address.");
                continue;
            }

            if (node == Wildcard)
            {
                if (fallback is not null)
                {
                    problems.Add($"Line {number}: * is given twice.");
                    continue;
                }

                fallback = address;
            }
            else if (!byNode.TryAdd(NetworkNames.Normalize(node), address))
            {
                problems.Add($"Line {number}: {node} is given twice.");
            }
        }

        errors = problems;
        return problems.Count == 0 ? new ConsoleAddressMapping(byNode, fallback) : Empty;
    }

    /// <summary>One rule a line, trimmed; what the registry stores once the text parsed without error.</summary>
    public static string Tidy(string? text) =>
        string.Join('\n', (text ?? "").Replace("\r", "", StringComparison.Ordinal).Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0));
}
