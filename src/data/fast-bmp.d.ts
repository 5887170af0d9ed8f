// fast-bmp publishes its types only through package.json "exports", which
// this project's moduleResolution ("node") does not read; point at them.
declare module 'fast-bmp' {
  export * from 'fast-bmp/lib/index';
}
