using PromiseGrid.Node.Tests.Harness;

namespace PromiseGrid.Node.Tests.Scale;

/// <summary>
/// The twelve nodes of the scale measurement, started as a user starts a grid with workers:
/// docker-compose.yml's node1..node3 and <c>compose-netns up --scale worker=9</c>, with
/// twelve-nodes.yml over it, which only gives every node the <c>routes/</c> test module and a
/// longer join timeout (the file says why). Which nodes run, and where, is what compose-netns
/// reports once they are started (<see cref="ComposeCluster.StatusAsync"/>), not a list kept here.
/// </summary>
public static class ScaleTopology
{
    public const string WorkerService = "worker";

    public const int WorkerReplicas = 9;

    public static string OverrideFile => Path.Combine(RepoPaths.Root, "tests", "PromiseGrid.Node.Tests", "Scale", "twelve-nodes.yml");

    /// <summary>
    /// <c>sudo PG_TEST_PLUGINS=... deploy/compose-netns up --file docker-compose.yml --file twelve-nodes.yml
    /// --scale worker=9 --no-wait</c>: returns once every node process runs; the caller times the rest.
    /// </summary>
    public static Task<ComposeCluster> StartAsync() =>
        ComposeCluster.StartScaledAsync(
            [OverrideFile],
            new Dictionary<string, int> { [WorkerService] = WorkerReplicas },
            // The test module as built in this test run's configuration (the file's default is Debug).
            new Dictionary<string, string> { ["PG_TEST_PLUGINS"] = RepoPaths.TestPluginsFolder });
}
