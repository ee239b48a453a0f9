// MiniSearch publishes its radix tree as `minisearch/SearchableMap` through package exports,
// which this project's module resolution does not read; its types are the ES build's.
declare module "minisearch/SearchableMap" {
  import SearchableMap from "minisearch/dist/es/SearchableMap";
  export default SearchableMap;
}
