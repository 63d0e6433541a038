export const Bio = ({ bio }) => <div dangerouslySetInnerHTML={{ __html: bio }} />;
