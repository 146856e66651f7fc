using Docx2Pdf.Sizing;

namespace Docx2Pdf.Core.Tests.Sizing;

/// <summary>Limits read from fake cgroup trees laid out as the kernel lays them out (v2, v1, hybrid, none).</summary>
public sealed class ContainerResourcesTests : IDisposable
{
    private const long MiB = 1024 * 1024;
    private const string MemInfo24GiB = "MemTotal:       25165824 kB\nMemFree:        23000000 kB\n";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "docx2pdf-sizing-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void Read_CgroupV2Namespaced_ReadsCpuMaxAndMemoryMax()
    {
        // Cloud Run gen2 / Docker with a cgroup namespace: the process sits at "/" of its own cgroup2 mount.
        Write("proc/self/cgroup", "0::/\n");
        Write("proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate\n");
        Write("proc/meminfo", MemInfo24GiB);
        Write("sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
        Write("sys/fs/cgroup/cpu.max", "100000 100000\n");
        Write("sys/fs/cgroup/memory.max", "536870912\n");

        var resources = ContainerResources.Read(_root, processorCount: 4);

        resources.Cpus.Should().Be(1);
        resources.CpuSource.Should().Be("cgroup v2 /sys/fs/cgroup/cpu.max");
        resources.MemoryBytes.Should().Be(512 * MiB);
        resources.MemorySource.Should().Be("cgroup v2 /sys/fs/cgroup/memory.max");
    }

    [Fact]
    public void Read_CgroupV2NestedWithLimitOnParent_TakesTightestAncestor()
    {
        // systemd host: the process's own cgroup has no limit, its slice does; the CPU quota is fractional.
        Write("proc/self/cgroup", "0::/docx2pdf.slice/run-1.scope\n");
        Write("proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Write("proc/meminfo", MemInfo24GiB);
        Write("sys/fs/cgroup/cpu.max", "max 100000\n");
        Write("sys/fs/cgroup/memory.max", "max\n");
        Write("sys/fs/cgroup/docx2pdf.slice/cpu.max", "150000 100000\n");
        Write("sys/fs/cgroup/docx2pdf.slice/memory.max", "2147483648\n");
        Write("sys/fs/cgroup/docx2pdf.slice/run-1.scope/cpu.max", "max 100000\n");
        Write("sys/fs/cgroup/docx2pdf.slice/run-1.scope/memory.max", "max\n");

        var resources = ContainerResources.Read(_root, processorCount: 8);

        resources.Cpus.Should().Be(1.5);
        resources.CpuSource.Should().Be("cgroup v2 /sys/fs/cgroup/docx2pdf.slice/cpu.max");
        resources.MemoryBytes.Should().Be(2048 * MiB);
        resources.MemorySource.Should().Be("cgroup v2 /sys/fs/cgroup/docx2pdf.slice/memory.max");
    }

    [Fact]
    public void Read_CgroupV1Hybrid_ReadsCfsQuotaAndLimitInBytes()
    {
        // Hybrid layout as on this machine: v1 cpu and memory hierarchies, an empty unified mount beside them.
        Write("proc/self/cgroup", "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/job\n0::/\n");
        Write("proc/self/mountinfo",
            "25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n" +
            "28 24 0:25 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
            "33 24 0:30 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
        Write("proc/meminfo", MemInfo24GiB);
        Write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
        Write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        Write("sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us", "200000\n");
        Write("sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_period_us", "100000\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
        Write("sys/fs/cgroup/memory/process_api/memory.limit_in_bytes", "9223372036854771712\n");
        Write("sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes", "4294967296\n");
        Write("sys/fs/cgroup/unified/cgroup.procs", "1\n");

        var resources = ContainerResources.Read(_root, processorCount: 2);

        resources.Cpus.Should().Be(2);
        resources.CpuSource.Should().Be("cgroup v1 /sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us");
        resources.MemoryBytes.Should().Be(4096 * MiB);
        resources.MemorySource.Should().Be("cgroup v1 /sys/fs/cgroup/memory/process_api/abc/memory.limit_in_bytes");
    }

    [Fact]
    public void Read_CgroupV1QuotaBelowProcessorCount_UsesQuota()
    {
        Write("proc/self/cgroup", "3:cpu,cpuacct:/\n4:memory:/\n");
        Write("proc/self/mountinfo",
            "25 24 0:22 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n" +
            "28 24 0:25 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
        Write("proc/meminfo", MemInfo24GiB);
        Write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "50000\n");
        Write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        Write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");

        var resources = ContainerResources.Read(_root, processorCount: 4);

        resources.Cpus.Should().Be(0.5);
        resources.CpuSource.Should().Be("cgroup v1 /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us");
        resources.MemoryBytes.Should().Be(24L * 1024 * MiB);
        resources.MemorySource.Should().Be("/proc/meminfo MemTotal");
    }

    [Fact]
    public void Read_NoCgroupFilesOnlyMeminfo_FallsBackToMeminfoAndProcessorCount()
    {
        // gVisor (Cloud Run's first generation) shows the container's memory as MemTotal and no cgroup limits.
        Write("proc/meminfo", "MemTotal:         524288 kB\n");

        var resources = ContainerResources.Read(_root, processorCount: 1);

        resources.Cpus.Should().Be(1);
        resources.CpuSource.Should().Be("processor count");
        resources.MemoryBytes.Should().Be(512 * MiB);
        resources.MemorySource.Should().Be("/proc/meminfo MemTotal");
    }

    [Fact]
    public void Read_CgroupLimitAboveMachineMemory_MachineMemoryWins()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Write("proc/meminfo", "MemTotal:        1048576 kB\n");
        Write("sys/fs/cgroup/memory.max", "4294967296\n");

        ContainerResources.Read(_root, processorCount: 2).Should().Be(
            new ContainerResources(2, "processor count", 1024 * MiB, "/proc/meminfo MemTotal"));
    }

    [Fact]
    public void Read_QuotaAboveProcessorCount_ProcessorCountWins()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Write("proc/meminfo", MemInfo24GiB);
        Write("sys/fs/cgroup/cpu.max", "400000 100000\n");

        var resources = ContainerResources.Read(_root, processorCount: 2);

        resources.Cpus.Should().Be(2);
        resources.CpuSource.Should().Be("processor count");
    }

    [Fact]
    public void Read_NoMountinfo_UsesTheUsualV2Place()
    {
        Write("proc/self/cgroup", "0::/\n");
        Write("proc/meminfo", MemInfo24GiB);
        Write("sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
        Write("sys/fs/cgroup/cpu.max", "200000 100000\n");
        Write("sys/fs/cgroup/memory.max", "2147483648\n");

        var resources = ContainerResources.Read(_root, processorCount: 4);

        resources.Cpus.Should().Be(2);
        resources.MemoryBytes.Should().Be(2048 * MiB);
    }

    [Fact]
    public void Read_ThisMachine_GivesPositiveFiguresWithSources()
    {
        var resources = ContainerResources.Read();

        resources.Cpus.Should().BeGreaterThan(0).And.BeLessThanOrEqualTo(Environment.ProcessorCount);
        resources.MemoryBytes.Should().BeGreaterThan(0);
        resources.CpuSource.Should().NotBeNullOrEmpty();
        resources.MemorySource.Should().NotBeNullOrEmpty();
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
