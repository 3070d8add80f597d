using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static GanetiWebManager.FakeRapi.Jobs.Units;

namespace GanetiWebManager.FakeRapi.Jobs;

/// <summary>Tags (of the cluster, nodes, instances, groups, networks) and opcodes that change nothing visible.</summary>
internal static partial class ClusterOps
{
    [GeneratedRegex(@"^[\w.+*/:@-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex TagPattern();

    public static async Task<JsonNode?> NothingAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        return null;
    }

    public static async Task<JsonNode?> TagsSetAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        lock (ctx.Cluster.Sync)
        {
            var (tags, touch) = Target(ctx);
            var added = Tags(ctx);
            foreach (var tag in added)
            {
                if (tag.Length > 128)
                {
                    throw new OpException("TagError", $"Tag too long (>128 characters)");
                }

                if (!TagPattern().IsMatch(tag))
                {
                    throw new OpException("TagError", "Tag contains invalid characters");
                }
            }

            if (!ctx.DryRun)
            {
                foreach (var tag in added.Where(t => !tags.Contains(t)))
                {
                    tags.Add(tag);
                }

                touch();
            }
        }

        return null;
    }

    public static async Task<JsonNode?> TagsDelAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        lock (ctx.Cluster.Sync)
        {
            var (tags, touch) = Target(ctx);
            var removed = Tags(ctx);
            var missing = removed.Where(t => !tags.Contains(t)).ToList();
            if (missing.Count > 0)
            {
                throw OpException.Prereq($"Tag(s) {Join(missing.Select(t => $"'{t}'"))} not found", "unknown_entity");
            }

            if (!ctx.DryRun)
            {
                tags.RemoveAll(removed.Contains);
                touch();
            }
        }

        return null;
    }

    private static List<string> Tags(OpContext ctx) => (ctx.Op.Input["tags"] as JsonArray ?? []).Select(Str).OfType<string>().ToList();

    private static (List<string> Tags, Action Touch) Target(OpContext ctx)
    {
        var cluster = ctx.Cluster;
        var name = Str(ctx.Op.Input["name"]) ?? "";
        switch (Str(ctx.Op.Input["kind"]))
        {
            case "cluster":
                return (cluster.Tags, () =>
                {
                    cluster.MTime = cluster.Now();
                    cluster.Changed();
                });
            case "instance":
                var instance = cluster.FindInstanceInternal(name) ?? throw OpException.UnknownInstance(name);
                return (instance.Tags, () => cluster.Touch(instance));
            case "node":
                var node = cluster.FindNode(name) ?? throw OpException.UnknownNode(name);
                return (node.Tags, () => cluster.Touch(node));
            case "nodegroup":
                var group = cluster.FindGroup(name) ?? throw OpException.Prereq($"Group '{name}' not found", "unknown_entity");
                return (group.Tags, () => cluster.Touch(group));
            default:
                var network = cluster.FindNetwork(name) ?? throw OpException.Prereq($"Network '{name}' not found", "unknown_entity");
                return (network.Tags, () => cluster.Touch(network));
        }
    }
}
