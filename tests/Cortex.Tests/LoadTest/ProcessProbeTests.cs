using Cortex.LoadTest;

namespace Cortex.Tests.LoadTest;

public sealed class ProcessProbeTests
{
    [Fact]
    public void KilobytesAreReadFromProcStatusLines()
    {
        string[] status = ["Name:\tCortex.Api", "VmHWM:\t  159324 kB", "VmRSS:\t  136700 kB"];

        Assert.Equal(159_324, ProcessProbe.Kilobytes(status, "VmHWM:"));
        Assert.Equal(136_700, ProcessProbe.Kilobytes(status, "VmRSS:"));
        Assert.Equal(0, ProcessProbe.Kilobytes(status, "VmSwap:"));
    }

    [Fact]
    public void CpuSecondsAreUserPlusSystemTicksEvenWhenTheNameHasSpacesAndParentheses()
    {
        const string stat = "4242 (odd (name) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 130 0 0 20 0 12 0 100 1000 50";

        Assert.Equal(3.8, ProcessProbe.CpuSeconds(stat), 6);
    }

    [Fact]
    public void SamplingThisProcessReadsItsMemoryAndCpu()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "/proc exists only on Linux.");

        var sample = new ProcessProbe(Environment.ProcessId).Sample();

        Assert.NotNull(sample);
        Assert.True(sample.RssKilobytes > 1024);
        Assert.True(sample.PeakRssKilobytes >= sample.RssKilobytes);
        Assert.True(sample.CpuSeconds > 0);
    }

    [Fact]
    public void WithoutAPidThereIsNoSample()
    {
        Assert.Null(new ProcessProbe(null).Sample());
    }
}
