export const Bio = () => <div dangerouslySetInnerHTML={{ __html: "<b>fixed</b>" }} />;
