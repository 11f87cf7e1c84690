// Minimal Eleventy site for the scale benchmark: an article page per statement, a page per
// month, a page per issuer, a home page. Content (statements/*.md) is written by ../prepare.py.
export default function (eleventyConfig) {
  const byDate = (a, b) => a.date - b.date || a.inputPath.localeCompare(b.inputPath);
  const groups = (api, key, name) => {
    const map = new Map();
    for (const item of api.getFilteredByGlob("./statements/*.md").sort(byDate)) {
      const k = item.data[key];
      if (!map.has(k)) map.set(k, { key: k, name: item.data[name], items: [] });
      map.get(k).items.push(item);
    }
    return [...map.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  };
  eleventyConfig.addCollection("statements",
    (api) => api.getFilteredByGlob("./statements/*.md").sort(byDate));
  eleventyConfig.addCollection("months", (api) => groups(api, "month", "month_name"));
  eleventyConfig.addCollection("issuers", (api) => groups(api, "issuer_id", "issuer"));
  eleventyConfig.addFilter("isodate", (d) => d.toISOString().slice(0, 10));
  eleventyConfig.addFilter("year", (d) => d.getUTCFullYear());
  eleventyConfig.addFilter("latest", (items, n) => items.slice(-n).reverse());
  return {
    markdownTemplateEngine: false,
    htmlTemplateEngine: "njk",
    dir: { includes: "_includes" },
  };
}
