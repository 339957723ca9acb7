using Cortex.Api.Ports;

namespace Cortex.Tests.Analytics;

internal static class AnalyticsAssert
{
    /// <summary>Same tables, columns and rows in the same order; doubles equal to 1e-9 relative (averages sum in different orders).</summary>
    public static void SameTables(AnalyticsResult expected, AnalyticsResult actual)
    {
        Assert.Equal(expected.Tables.Select(t => t.Name), actual.Tables.Select(t => t.Name));
        foreach (var (e, a) in expected.Tables.Zip(actual.Tables))
        {
            var columns = e.Columns.Intersect(a.Columns).ToList();
            Assert.Equal(e.Columns, columns);
            Assert.True(e.Rows.Count == a.Rows.Count, $"{e.Name}: {e.Rows.Count} rows expected, {a.Rows.Count} found");
            for (var r = 0; r < e.Rows.Count; r++)
            {
                foreach (var column in columns)
                {
                    var expectedValue = e.Rows[r][e.Columns.ToList().IndexOf(column)];
                    var actualValue = a.Rows[r][a.Columns.ToList().IndexOf(column)];
                    if (expectedValue is double x && actualValue is double y)
                    {
                        Assert.True(Math.Abs(x - y) <= 1e-9 * Math.Max(1, Math.Abs(x)), $"{e.Name} row {r} {column}: {x} expected, {y} found");
                    }
                    else
                    {
                        Assert.True(Equals(expectedValue, actualValue), $"{e.Name} row {r} {column}: {expectedValue ?? "null"} expected, {actualValue ?? "null"} found");
                    }
                }
            }
        }
    }
}
